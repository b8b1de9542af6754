"""The run's tokenizer: learned from the train split's texts (or another text dataset's,
`config.data.tokenizer_dataset`) and cached as JSON next to the prepared dataset, or read from a
pretrained `config.data.tokenizer_file`; and what a tokenizer's ids stand for in UTF-8 bytes."""

import contextlib
import os
import pathlib
from collections.abc import Sequence

import ml_collections
import numpy as np
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import builders
from seqlab.data.tfds_io import data_dir, source
from seqlab.data.tokenizers import (
    NUM_SPECIAL,
    BpeTokenizer,
    PretrainedTokenizer,
    Tokenizer,
    load_tokenizer,
    make_tokenizer,
)


def texts(records: Sequence, keys: Sequence[str] = ('text',)) -> list[str]:
    """The decoded `keys` of every record, in order (record by record)."""
    return [
        record[key].decode('utf-8')
        for record in records.__getitems__(range(len(records)))
        for key in keys
    ]


def tokenizer_options(kind: str, vocab_size: int) -> dict:
    """make_tokenizer options that keep every id below `vocab_size`."""
    if kind in ('char', 'word'):
        return {'max_size': vocab_size - NUM_SPECIAL}
    if kind == 'bpe':
        return {'vocab_size': vocab_size}
    return {}


def cached_tokenizer(
    builder: tfds.core.DatasetBuilder,
    data_config: ml_collections.ConfigDict,
    train_source,
    keys: Sequence[str] = ('text',),
) -> tuple[Tokenizer, str]:
    """The tokenizer trained on the train split's `keys`, read from (or first written atomically
    to) the builder's data dir; or config.data.tokenizer_file. -> (tokenizer, path)."""
    kind, size = data_config.tokenizer, data_config.vocab_size
    if kind == PretrainedTokenizer.kind:
        return pretrained_tokenizer(data_config.tokenizer_file, size)
    path = (
        pathlib.Path(builder.data_dir) / f'tokenizer_{data_config.train_split}_{kind}_{size}.json'
    )
    if not path.exists():
        train_texts = texts(train_source, keys)
        tokenizer = make_tokenizer(kind, train_texts, **tokenizer_options(kind, size))
        save_atomically(tokenizer, path)
    return load_tokenizer(path), str(path)


def save_atomically(tokenizer: Tokenizer, path: pathlib.Path) -> None:
    """Writes `tokenizer` to a temporary file renamed to `path`; a directory that refuses the
    write (read-only, full) raises a one-line ConfigError, and no temporary file is left."""
    partial = path.with_name(f'{path.name}.{os.getpid()}.tmp')
    try:
        tokenizer.save(partial)
        os.replace(partial, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise ConfigError(
            f'the tokenizer {path.name} is not in {path.parent}, and it cannot be written there '
            f'({error.strerror}); set SEQLAB_DATA_DIR (or config.data.data_dir) to a writable '
            'directory'
        ) from None


def pretrained_tokenizer(path: str, vocab_size: int) -> tuple[Tokenizer, str]:
    """(the tokenizer in the transformers tokenizer.json `path`, path); its ids must be below
    `vocab_size`, the rows of the model's embedding table."""
    tokenizer = load_tokenizer(path)
    if tokenizer.vocab_size > vocab_size:
        raise ConfigError(
            f'config.data.tokenizer_file={path!r} has {tokenizer.vocab_size} ids and '
            f'config.data.vocab_size={vocab_size} (the embedding table); allowed: a vocab_size '
            f'>= {tokenizer.vocab_size}'
        )
    return tokenizer, path


def tokenizer_source(
    builder: tfds.core.DatasetBuilder, data_config: ml_collections.ConfigDict, train_source
) -> tuple[tfds.core.DatasetBuilder, Sequence]:
    """The builder and train split the tokenizer learns from: this dataset's, or those of
    `config.data.tokenizer_dataset`."""
    name = data_config.get('tokenizer_dataset', '')
    if not name or data_config.tokenizer == PretrainedTokenizer.kind:
        return builder, train_source
    other = builders.offline(name, data_dir(data_config))
    return other, source(other, data_config, 'train_split')


def token_bytes(tokenizer: Tokenizer) -> np.ndarray | None:
    """UTF-8 bytes per id: int32 [vocab_size] (eos 1, other specials 0); None if not lossless."""
    if not tokenizer.lossless:
        return None
    sizes = np.zeros(tokenizer.vocab_size, np.int32)
    sizes[tokenizer.eos_id] = 1
    if isinstance(tokenizer, BpeTokenizer):  # byte-level pieces: one character per byte
        pieces = [tokenizer.hf.id_to_token(i) for i in range(tokenizer.hf.get_vocab_size())]
        sizes[NUM_SPECIAL:] = [len(piece) for piece in pieces]
    else:
        sizes[NUM_SPECIAL:] = 1
    return sizes
