"""What every layout reads and makes: a text dataset opened for reading (`Opened`), the recipe
all layouts share (`Opened.recipe`), and rows of equally long arrays as a split (`Rows`)."""

import dataclasses
from collections.abc import Sequence
from typing import Any

import ml_collections
import numpy as np
import tensorflow_datasets as tfds

from seqlab.data.recipe import Recipe
from seqlab.data.tokenizers import TOKENIZER_ASSET, Tokenizer


@dataclasses.dataclass(frozen=True)
class Opened:
    """A text dataset opened for reading: its builder and config, the records of its two splits,
    the tokenizer (and the file it was read from) and the run's seed."""

    builder: tfds.core.DatasetBuilder
    data_config: ml_collections.ConfigDict
    train: Sequence
    eval: Sequence
    tokenizer: Tokenizer
    tokenizer_path: str
    seed: int

    def recipe(self, *, extras: dict | None = None, **fields: Any) -> Recipe:
        """A text `Recipe` of `fields`: inputs of max_length tokens unless `input_shape` says
        otherwise, extras vocab_size and pad_id (+ `extras`), the tokenizer as an asset."""
        return Recipe(
            modality='text',
            input_shape=fields.pop('input_shape', (self.data_config.max_length,)),
            extras={
                'vocab_size': self.data_config.vocab_size,
                'pad_id': self.tokenizer.pad_id,
                **(extras or {}),
            },
            assets={TOKENIZER_ASSET: self.tokenizer_path},
            **fields,
        )


class Rows:
    """A random-access source of the rows of equally long arrays (LM windows, seq2seq pairs)."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self._arrays = arrays

    def __len__(self) -> int:
        return len(next(iter(self._arrays.values())))

    def __getitem__(self, index: int) -> dict:
        return {key: value[index] for key, value in self._arrays.items()}

    def __getitems__(self, indices: Sequence[int]) -> list[dict]:
        return [self[index] for index in indices]


def row_example(index: int, row: dict) -> dict:
    return {**row, 'id': np.int64(index), 'mask': np.float32(1.0)}
