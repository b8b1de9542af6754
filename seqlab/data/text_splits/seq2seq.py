"""The 'seq2seq' layout: each (`source`, `target`) pair as seqlab.data.text_pairs arrays."""

from collections.abc import Sequence

import ml_collections

from seqlab.data import text_pairs
from seqlab.data.recipe import Recipe
from seqlab.data.text_splits.checks import PAIR_KEYS
from seqlab.data.text_splits.opened import Opened, Rows, row_example
from seqlab.data.text_splits.vocabulary import texts
from seqlab.data.tokenizers import Tokenizer


def pair_rows(
    records: Sequence, tokenizer: Tokenizer, data_config: ml_collections.ConfigDict, split: str
) -> Rows:
    """The records' (source, target) pairs as seqlab.data.text_pairs arrays."""
    flat = texts(records, PAIR_KEYS)
    pairs = list(zip(flat[::2], flat[1::2], strict=True))
    lengths = data_config.max_length, data_config.target_length
    return Rows(text_pairs.encode_pairs(pairs, tokenizer, *lengths, split))


def read(opened: Opened) -> Recipe:
    """Each (`source`, `target`) pair as seqlab.data.text_pairs arrays."""
    data_config, tokenizer = opened.data_config, opened.tokenizer
    return opened.recipe(
        train=pair_rows(opened.train, tokenizer, data_config, data_config.train_split),
        eval=pair_rows(opened.eval, tokenizer, data_config, data_config.eval_split),
        prepare=row_example,
        input_shape=(data_config.max_length, data_config.target_length),
    )
