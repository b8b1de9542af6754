"""Text datasets as `Splits`: classification (a `label` feature) or language modelling (none).

The tokenizer (`config.data.tokenizer`, `vocab_size`) is trained on the train split's `text`, in
file order, and cached as JSON next to the prepared dataset (`tokenizer_<split>_<kind>_<size>.json`
in the builder's data dir), so train, eval and a resumed run all use the identical tokenizer.

config.data keys (besides the common ones; `default_config` has them all):
  tokenizer    'byte', 'char', 'word' or 'bpe' (seqlab.data.tokenizers)
  vocab_size   ids in [0, vocab_size): the learned vocabulary's bound (char/word/bpe); byte needs
               >= 261. Models size their embedding table with it.
  max_length   tokens per example; longer texts are truncated to their first max_length tokens

Classification batch, besides `id`, `mask` (float32 [B], 0 for padding examples) and `label`:
  tokens       int32 [B, max_length]  ids, pad_id after the text
  token_mask   bool  [B, max_length]  True on real tokens
Language-model batch (the train verses' ids joined by eos into one stream, cut by `lm_windows`;
eval likewise on the eval split): `tokens` / `token_mask` [B, max_length + 1] (inputs
tokens[:, :-1], targets tokens[:, 1:]), and for lossless tokenizers `token_bytes` int32
[B, max_length + 1], the UTF-8 bytes each token stands for (eos: 1, the line break it replaces).
info.input_shape = (max_length,); info.extras: vocab_size, pad_id, tokenizer_path (+ class_names).
"""

import functools
import os
import pathlib
from collections.abc import Sequence

import ml_collections
import numpy as np
import tensorflow_datasets as tfds

from seqlab.data import pipeline, text
from seqlab.data.tokenizers import (
    KINDS,
    NUM_SPECIAL,
    BpeTokenizer,
    ByteTokenizer,
    Tokenizer,
    load_tokenizer,
    make_tokenizer,
)
from seqlab.data.types import DatasetInfo, Splits
from seqlab.data.vision_splits import source

BYTE_VOCAB = ByteTokenizer().vocab_size


def default_config(
    name: str = 'wordnet_supersense',
    batch_size: int = 64,
    tokenizer: str = 'word',
    vocab_size: int = 16_000,
    max_length: int = 64,
) -> ml_collections.ConfigDict:
    """Every key `check` and `make_splits` read; model selection on the validation split."""
    return ml_collections.ConfigDict(
        dict(
            name=name,
            batch_size=batch_size,
            eval_batch_size=256,
            data_dir='',
            train_split='train',
            eval_split='validation',
            tokenizer=tokenizer,
            vocab_size=vocab_size,
            max_length=max_length,
        )
    )


def check(data_config: ml_collections.ConfigDict) -> None:
    """One-line ValueErrors for bad text keys, before any data is read."""
    kind = data_config.get('tokenizer')
    if kind not in KINDS:
        raise ValueError(
            f'config.data.tokenizer={kind!r} is not allowed; allowed: {", ".join(sorted(KINDS))}'
        )
    for key, smallest in (('vocab_size', NUM_SPECIAL + 1), ('max_length', 1)):
        value = data_config.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < smallest:
            raise ValueError(
                f'config.data.{key}={value!r} is not allowed; allowed: an int >= {smallest}'
            )
    smallest = {'byte': BYTE_VOCAB, 'bpe': BYTE_VOCAB}.get(kind)
    if smallest and data_config.vocab_size < smallest:
        raise ValueError(
            f'config.data.vocab_size={data_config.vocab_size} is too small for the {kind} '
            f'tokenizer; allowed: >= {smallest}'
        )


def texts(records: Sequence) -> list[str]:
    """The decoded `text` of every record, in order."""
    return [record['text'].decode('utf-8') for record in records.__getitems__(range(len(records)))]


def tokenizer_options(kind: str, vocab_size: int) -> dict:
    """make_tokenizer options that keep every id below `vocab_size`."""
    if kind in ('char', 'word'):
        return {'max_size': vocab_size - NUM_SPECIAL}
    if kind == 'bpe':
        return {'vocab_size': vocab_size}
    return {}


def cached_tokenizer(
    builder: tfds.core.DatasetBuilder, data_config: ml_collections.ConfigDict, train_source
) -> tuple[Tokenizer, str]:
    """The tokenizer trained on the train split, read from (or first written atomically to) the
    builder's data dir. -> (tokenizer, path)."""
    kind, size = data_config.tokenizer, data_config.vocab_size
    path = (
        pathlib.Path(builder.data_dir) / f'tokenizer_{data_config.train_split}_{kind}_{size}.json'
    )
    if not path.exists():
        tokenizer = make_tokenizer(kind, texts(train_source), **tokenizer_options(kind, size))
        partial = path.with_name(f'{path.name}.{os.getpid()}.tmp')
        tokenizer.save(partial)
        os.replace(partial, path)
    return load_tokenizer(path), str(path)


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


def classification_example(
    index: int, record: dict, *, tokenizer: Tokenizer, max_length: int
) -> dict:
    """The first max_length tokens of `text`, padded to max_length."""
    ids = tokenizer.encode(record['text'].decode('utf-8'))[:max_length]
    padded = text.pad_batch([ids], tokenizer.pad_id, length=max_length)
    return {
        'tokens': padded['tokens'][0],
        'token_mask': padded['mask'][0],
        'label': np.int32(record['label']),
        'id': np.int64(index),
        'mask': np.float32(1.0),
    }


class Windows:
    """A random-access source of LM windows: tokens, token_mask (and token_bytes) [n, length + 1]."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self._arrays = arrays

    def __len__(self) -> int:
        return len(self._arrays['tokens'])

    def __getitem__(self, index: int) -> dict:
        return {key: value[index] for key, value in self._arrays.items()}

    def __getitems__(self, indices: Sequence[int]) -> list[dict]:
        return [self[index] for index in indices]


def lm_windows(records: Sequence, tokenizer: Tokenizer, max_length: int) -> Windows:
    """The records' ids joined by eos (one stream, in split order) cut into windows."""
    stream = []
    for line in texts(records):
        stream += [*tokenizer.encode(line), tokenizer.eos_id]
    windows = text.lm_windows(stream, max_length, tokenizer.pad_id)
    arrays = {'tokens': windows['tokens'], 'token_mask': windows['mask']}
    sizes = token_bytes(tokenizer)
    if sizes is not None:
        arrays['token_bytes'] = np.where(windows['mask'], sizes[windows['tokens']], 0)
    return Windows(arrays)


def lm_example(index: int, window: dict) -> dict:
    return {**window, 'id': np.int64(index), 'mask': np.float32(1.0)}


def unchanged(batch: dict) -> dict:
    return batch


def make_splits(
    builder: tfds.core.DatasetBuilder,
    data_config: ml_collections.ConfigDict,
    *,
    seed: int,
    process_index: int,
    process_count: int,
) -> Splits:
    features = builder.info.features
    if 'text' not in features:
        raise ValueError(
            f'dataset {data_config.name!r} has no text feature (features: {", ".join(features)}); '
            'text_splits reads classification or language-model datasets with a `text`'
        )
    label = features['label'] if 'label' in features else None
    is_classification = isinstance(label, tfds.features.ClassLabel)
    train_source = source(builder, data_config, 'train_split')
    eval_source = source(builder, data_config, 'eval_split')
    tokenizer, path = cached_tokenizer(builder, data_config, train_source)
    hosts = {'process_index': process_index, 'process_count': process_count}
    length = data_config.max_length
    if is_classification:
        prepare = functools.partial(classification_example, tokenizer=tokenizer, max_length=length)
    else:
        train_source = lm_windows(train_source, tokenizer, length)
        eval_source = lm_windows(eval_source, tokenizer, length)
        prepare = lm_example
    train = pipeline.train_batches(
        train_source,
        prepare=prepare,
        augment=None,
        finalize=unchanged,
        seed=seed,
        global_batch=data_config.batch_size,
        **hosts,
    )
    eval_ = pipeline.eval_batches(
        eval_source,
        prepare=prepare,
        finalize=unchanged,
        global_batch=data_config.eval_batch_size,
        **hosts,
    )
    extras = {'vocab_size': data_config.vocab_size, 'pad_id': tokenizer.pad_id}
    extras['tokenizer_path'] = path
    if is_classification:
        extras['class_names'] = tuple(label.names)
    info = DatasetInfo(
        name=data_config.name,
        modality='text',
        num_train=len(train_source),
        num_eval=len(eval_source),
        num_classes=label.num_classes if is_classification else 0,
        input_shape=(length,),
        extras=extras,
    )
    return Splits(train=train, eval=eval_, info=info)
