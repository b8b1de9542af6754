"""Text datasets as `Splits`, in the layout `config.data.layout` names (one function each,
`LAYOUTS`): 'classification' (a `text` and a ClassLabel `label`), 'causal_lm' and 'masked_lm'
(`text` only; labels ignored) or 'seq2seq' (`source` and `target` features). The layout is named
in the config, never guessed from the dataset: a dataset without the features its layout reads
is a one-line error.

The tokenizer (`config.data.tokenizer`, `vocab_size`) is trained on the train split's texts (for
pairs, each source then its target), in file order, and cached as JSON next to the prepared dataset
(`tokenizer_<split>_<kind>_<size>.json` in the builder's data dir), so train, eval and a resumed run
all use the identical tokenizer. It is the dataset asset `tokenizer.json` (`info.assets`), which
the train loop keeps in the workdir; generation reads that copy.

config.data keys (besides the common ones; `seqlab.config_defaults.text_data` has them all):
  layout       'classification' (the default), 'causal_lm', 'masked_lm' or 'seq2seq'
  tokenizer    'byte', 'char', 'word' or 'bpe' (seqlab.data.tokenizers), or 'pretrained' with
  tokenizer_file  a transformers tokenizer.json, used as it is (not learned; its ids unchanged)
  vocab_size   ids in [0, vocab_size): the learned vocabulary's bound (char/word/bpe); byte needs
               >= 261, pretrained >= the file's vocabulary. Models size their embedding table
               with it.
  max_length   tokens per example; longer texts are truncated to their first max_length tokens
               (seq2seq: tokens per source; longer sources are an error)
  target_length   seq2seq only (and needed there): tokens per target, eos included; longer
               targets are an error
  tokenizer_dataset  optional: learn the tokenizer from this text dataset's train split instead,
               so runs on different data share one tokenizer (pre-training, then fine-tuning);
               unused with a pretrained tokenizer
  mask_rate    masked_lm only (default 0.15), in (0, 1): the share of window positions
               BERT-masked by seqlab.data.masking, anew at each read of a train window, fixed per
               eval window

Every record of a classification layout's train and eval splits is checked before training (an
empty text is refused naming its record; seqlab/data/record_scan.py).

Classification batch, besides `id`, `mask` (float32 [B], 0 for padding examples) and `label`:
  tokens       int32 [B, max_length]  ids, pad_id after the text
  token_mask   bool  [B, max_length]  True on real tokens
Language-model batch (the train verses' ids joined by eos into one stream, cut by `lm_windows`;
eval likewise on the eval split): `tokens` / `token_mask` [B, max_length + 1] (inputs
tokens[:, :-1], targets tokens[:, 1:]), and for lossless tokenizers `token_bytes` int32
[B, max_length + 1], the UTF-8 bytes each token stands for (eos: 1, the line break it replaces).
Masked-LM batch (the ids joined by eos as for language models, cut into windows of max_length):
`tokens` (masked) / `token_mask` [B, max_length], `targets` int32 [B, max_length] (the original
ids) and `target_mask` bool [B, max_length] (the positions to predict).
Seq2seq batch: `source` / `source_mask` [B, max_length], `target` / `target_mask`
[B, target_length + 1] (bos, target, eos; see seqlab.data.text_pairs).
info.input_shape = (max_length,), for seq2seq (max_length, target_length): the source and decoder
input lengths; info.extras: vocab_size, pad_id (+ class_names); info.assets: tokenizer.json.
"""

import contextlib
import dataclasses
import functools
import os
import pathlib
from collections.abc import Callable, Sequence
from typing import Any

import ml_collections
import numpy as np
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import (
    builders,
    masking,
    record_scan,
    records,
    text,
    text_pairs,
)
from seqlab.data.recipe import Recipe
from seqlab.data.tfds_io import data_dir, source
from seqlab.data.tokenizers import (
    KINDS,
    NUM_SPECIAL,
    BpeTokenizer,
    ByteTokenizer,
    PretrainedTokenizer,
    Tokenizer,
    load_tokenizer,
    make_tokenizer,
)
from seqlab.data.types import BadRecordError

BYTE_VOCAB = ByteTokenizer().vocab_size
TOKENIZER_ASSET = 'tokenizer.json'
PAIR_KEYS = ('source', 'target')
MASK_RATE = 0.15  # BERT's share of masked-LM positions to predict


def check(data_config: ml_collections.ConfigDict) -> None:
    """One-line ConfigErrors for bad text keys, before any data is read."""
    kind = data_config.get('tokenizer')
    if kind not in (*KINDS, PretrainedTokenizer.kind):
        raise ConfigError(
            f'config.data.tokenizer={kind!r} is not allowed; allowed: '
            f"{', '.join(sorted(KINDS))}, 'pretrained' (with config.data.tokenizer_file)"
        )
    check_tokenizer_file(kind, data_config.get('tokenizer_file', ''))
    lengths = ('max_length', 'target_length') if 'target_length' in data_config else ('max_length',)
    for key, smallest in (('vocab_size', NUM_SPECIAL + 1), *((key, 1) for key in lengths)):
        value = data_config.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < smallest:
            raise ConfigError(
                f'config.data.{key}={value!r} is not allowed; allowed: an int >= {smallest}'
            )
    rate = data_config.get('mask_rate', 0.0)
    if not isinstance(rate, float) or not 0.0 <= rate < 1.0:
        raise ConfigError(
            f'config.data.mask_rate={rate!r} is not allowed; allowed: a float in [0, 1) (0 = off)'
        )
    if rate and data_config.max_length < 2:
        raise ConfigError(
            f'config.data.max_length={data_config.max_length} is too short for masked-LM windows; '
            'allowed: >= 2'
        )
    check_layout(data_config)
    check_tokenizer_dataset(data_config.get('tokenizer_dataset', ''))
    smallest = {'byte': BYTE_VOCAB, 'bpe': BYTE_VOCAB}.get(kind)
    if smallest and data_config.vocab_size < smallest:
        raise ConfigError(
            f'config.data.vocab_size={data_config.vocab_size} is too small for the {kind} '
            f'tokenizer; allowed: >= {smallest}'
        )


def check_layout(data_config: ml_collections.ConfigDict) -> None:
    """config.data.layout names one of LAYOUTS, with the keys it reads: mask_rate > 0 for
    masked_lm only, target_length for seq2seq."""
    layout, rate = data_config.get('layout'), data_config.get('mask_rate', 0.0)
    if layout not in LAYOUTS:
        raise ConfigError(
            f'config.data.layout={layout!r} is not allowed; allowed: {", ".join(LAYOUTS)}'
        )
    if (layout == 'masked_lm') != bool(rate):
        raise ConfigError(
            f'config.data.mask_rate={rate!r} is not allowed with config.data.layout={layout!r}; '
            "allowed: a float in (0, 1) for 'masked_lm', 0.0 for the other layouts"
        )
    if layout == 'seq2seq' and 'target_length' not in data_config:
        raise ConfigError(
            "config.data.layout='seq2seq' needs config.data.target_length, and it is not set; "
            'allowed: config_defaults.text_data(..., target_length=N)'
        )


def check_tokenizer_file(kind: str, path: str) -> None:
    """config.data.tokenizer_file names an existing file, for the 'pretrained' tokenizer only."""
    if (kind == PretrainedTokenizer.kind) != bool(path):
        raise ConfigError(
            f'config.data.tokenizer={kind!r} and config.data.tokenizer_file={path!r} do not go '
            "together; allowed: 'pretrained' with a tokenizer.json, another tokenizer with ''"
        )
    if path and not os.path.isfile(path):
        raise ConfigError(
            f'config.data.tokenizer_file={path!r} does not exist; allowed: a tokenizer.json'
        )


def check_tokenizer_dataset(name: str) -> None:
    """'' (this dataset) or an offline text dataset."""
    if not name:
        return
    text_datasets = [n for n in builders.names() if builders.module(n).MODALITY == 'text']
    if builders.split_name(name)[0] not in text_datasets:
        raise ConfigError(
            f'config.data.tokenizer_dataset={name!r} is not a text dataset; allowed: '
            f"'' (this dataset), {', '.join(text_datasets)}"
        )
    builders.check_config_name(name)


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


def classification_ids(record: dict, *, tokenizer: Tokenizer, max_length: int) -> list[int]:
    """The first max_length token ids of `text`; an empty text (no tokens) is refused. The
    per-record check of classification datasets (`classification_example` and the record scan)."""
    ids = tokenizer.encode(record['text'].decode('utf-8'))[:max_length]
    if not ids:
        raise BadRecordError(
            'text is empty (no tokens) and has no class to learn from; allowed: texts of at least '
            'one token'
        )
    return ids


def classification_example(
    index: int, record: dict, *, split: str, tokenizer: Tokenizer, max_length: int
) -> dict:
    """The first max_length tokens of `text`, padded to max_length; an empty text is refused,
    naming its `split` and index."""
    with record_scan.naming(split, index):
        ids = classification_ids(record, tokenizer=tokenizer, max_length=max_length)
    padded = text.pad_batch([ids], tokenizer.pad_id, length=max_length)
    return {
        'tokens': padded['tokens'][0],
        'token_mask': padded['mask'][0],
        'label': np.int32(record['label']),
        'id': records.source_id(index, record),
        'mask': np.float32(1.0),
    }


def fixed_masking(index: int, record: dict, *, prepare, mask, seed: int) -> dict:
    """`mask(prepare(index, record), rng)` with rng seeded by (seed, index): the same masking at
    every evaluation."""
    return mask(prepare(index, record), np.random.default_rng((seed, index)))


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


def lm_windows(records: Sequence, tokenizer: Tokenizer, max_length: int) -> Rows:
    """The records' ids joined by eos (one stream, in split order) cut into windows: tokens,
    token_mask (and token_bytes) [n, max_length + 1]."""
    stream = []
    for line in texts(records):
        stream += [*tokenizer.encode(line), tokenizer.eos_id]
    windows = text.lm_windows(stream, max_length, tokenizer.pad_id)
    arrays = {'tokens': windows['tokens'], 'token_mask': windows['mask']}
    sizes = token_bytes(tokenizer)
    if sizes is not None:
        arrays['token_bytes'] = np.where(windows['mask'], sizes[windows['tokens']], 0)
    return Rows(arrays)


def pair_rows(records: Sequence, tokenizer: Tokenizer, data_config, split: str) -> Rows:
    """The records' (source, target) pairs as seqlab.data.text_pairs arrays."""
    flat = texts(records, PAIR_KEYS)
    pairs = list(zip(flat[::2], flat[1::2], strict=True))
    lengths = data_config.max_length, data_config.target_length
    return Rows(text_pairs.encode_pairs(pairs, tokenizer, *lengths, split))


def row_example(index: int, row: dict) -> dict:
    return {**row, 'id': np.int64(index), 'mask': np.float32(1.0)}


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


def classification(opened: Opened) -> Recipe:
    """The first max_length tokens of each `text`, padded, with its `label` (ClassLabel); every
    record of both splits is scanned first (an empty text is refused naming its record)."""
    data_config, tokenizer = opened.data_config, opened.tokenizer
    label = opened.builder.info.features['label']  # a ClassLabel (`layout_keys`)
    length = data_config.max_length
    check = functools.partial(classification_ids, tokenizer=tokenizer, max_length=length)
    scanned = f'text classification, tokenizer {record_scan.file_identity(opened.tokenizer_path)}'
    sources = (opened.train, opened.eval)
    record_scan.scan_splits(opened.builder, data_config, sources, check, scanned)
    example = functools.partial(classification_example, tokenizer=tokenizer, max_length=length)
    return opened.recipe(
        train=opened.train,
        eval=opened.eval,
        prepare=functools.partial(example, split=data_config.train_split),
        eval_prepare=functools.partial(example, split=data_config.eval_split),
        num_classes=label.num_classes,
        extras={'class_names': tuple(label.names)},
    )


def causal_lm(opened: Opened) -> Recipe:
    """Windows of max_length + 1 tokens over each split's texts joined by eos (`lm_windows`)."""
    length = opened.data_config.max_length
    return opened.recipe(
        train=lm_windows(opened.train, opened.tokenizer, length),
        eval=lm_windows(opened.eval, opened.tokenizer, length),
        prepare=row_example,
    )


def masked_lm(opened: Opened) -> Recipe:
    """Windows of max_length tokens over the texts joined by eos, BERT-masked at
    `config.data.mask_rate`: anew at each read of a train window, fixed per eval window."""
    rate, tokenizer = opened.data_config.mask_rate, opened.tokenizer
    if tokenizer.mask_id is None:
        raise ConfigError(
            f'config.data.mask_rate={rate} needs a mask token, and the tokenizer '
            f'{opened.tokenizer_path} has none; allowed: 0.0 for it'
        )
    mask = functools.partial(
        masking.mask_tokens,
        rate=rate,
        mask_id=tokenizer.mask_id,
        content_ids=masking.content_ids(tokenizer),
    )
    length = opened.data_config.max_length - 1
    return opened.recipe(
        train=lm_windows(opened.train, tokenizer, length),
        eval=lm_windows(opened.eval, tokenizer, length),
        prepare=row_example,
        augment=mask,
        eval_prepare=functools.partial(
            fixed_masking, prepare=row_example, mask=mask, seed=opened.seed
        ),
    )


def seq2seq(opened: Opened) -> Recipe:
    """Each (`source`, `target`) pair as seqlab.data.text_pairs arrays."""
    data_config, tokenizer = opened.data_config, opened.tokenizer
    return opened.recipe(
        train=pair_rows(opened.train, tokenizer, data_config, data_config.train_split),
        eval=pair_rows(opened.eval, tokenizer, data_config, data_config.eval_split),
        prepare=row_example,
        input_shape=(data_config.max_length, data_config.target_length),
    )


# config.data.layout -> how the records become batches (module docstring).
LAYOUTS: dict[str, Callable[[Opened], Recipe]] = {
    'classification': classification,
    'causal_lm': causal_lm,
    'masked_lm': masked_lm,
    'seq2seq': seq2seq,
}


def layout_keys(data_config: ml_collections.ConfigDict, features) -> tuple[str, ...]:
    """The features `config.data.layout` reads and the tokenizer learns from: PAIR_KEYS for
    seq2seq, else ('text',); a one-line ConfigError if the dataset lacks them (or, for
    classification, a ClassLabel `label`)."""
    layout, name = data_config.layout, data_config.name
    wanted = PAIR_KEYS if layout == 'seq2seq' else ('text',)
    if set(wanted) <= set(features):
        label = features['label'] if 'label' in features else None
        if layout == 'classification' and not isinstance(label, tfds.features.ClassLabel):
            raise ConfigError(
                f"config.data.layout='classification' needs a ClassLabel feature `label`, and "
                f"dataset {name!r} has none; allowed: config.data.layout='causal_lm' or "
                "'masked_lm' for it"
            )
        return wanted
    if set(PAIR_KEYS) <= set(features):
        raise ConfigError(
            f'dataset {name!r} pairs a source with a target, and config.data.layout={layout!r} '
            "reads a `text`; allowed: config.data.layout='seq2seq' (with "
            'config.data.target_length)'
        )
    raise ConfigError(
        f'config.data.layout={layout!r} reads {" and ".join(wanted)}, and dataset {name!r} has '
        f'{", ".join(features)}; allowed: a dataset with `text` (classification, causal_lm, '
        'masked_lm) or `source` and `target` (seq2seq)'
    )


def recipe(
    builder: tfds.core.DatasetBuilder, data_config: ml_collections.ConfigDict, *, seed: int
) -> Recipe:
    """How the text dataset `builder` is read: `config.data.layout`'s (module docstring), with
    the tokenizer learned from (or cached for) the train split's texts."""
    keys = layout_keys(data_config, builder.info.features)
    train_source = source(builder, data_config, 'train_split')
    eval_source = source(builder, data_config, 'eval_split')
    tokenizer_builder, tokenizer_texts = tokenizer_source(builder, data_config, train_source)
    tokenizer, path = cached_tokenizer(tokenizer_builder, data_config, tokenizer_texts, keys)
    opened = Opened(builder, data_config, train_source, eval_source, tokenizer, path, seed)
    return LAYOUTS[data_config.layout](opened)
