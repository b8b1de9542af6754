"""Splits by name, with a validation split for datasets that ship without one.

Choosing a model, a recipe or a checkpoint on the test split makes the test number optimistic, so
every dataset needs a validation split. One that ships without (Fashion-MNIST, digits, many TFDS
catalogue datasets) gets one carved from its train split: example e goes to validation when

    int(md5(str(source_id(e)))[:8], 16) % 100 < HOLDOUT_PERCENT

where source_id(e) is the `id` the builder stores (for Fashion-MNIST the index in the official
IDX files), or the example's position in the prepared split when it stores none. The carve
depends on the ids only, not on TFDS's storage order or on a seed, so every run, machine and
version of seqlab sees the same validation set; 'train' then names the rest of the train split,
so no training run ever sees a validation example. Other split names ('test', TFDS slices such
as 'train[:1000]') are TFDS's own.

A dataset made from the user's files (seqlab/data/files) carves both held-out splits the same way
when it is prepared, keyed by the file's relative path or the row's number: `carved_split(key)`
puts the first HOLDOUT_PERCENT buckets in validation and the next HOLDOUT_PERCENT in test.
"""

import hashlib
import os
from collections.abc import Sequence
from typing import Any

import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import records

HOLDOUT_PERCENT = 10
TRAIN, VALIDATION, TEST = 'train', 'validation', 'test'
READ_CHUNK = 4096
KEPT_ID_LISTS = 8  # train_ids: the id lists of this many prepared datasets are kept
_TRAIN_IDS: dict[tuple[str, int], list[Any]] = {}


class Subset(Sequence):
    """The records of `parent` at `positions`, read in batches like the parent."""

    def __init__(self, parent: Sequence, positions: Sequence[int]):
        self._parent = records.decoded(parent)
        self.positions = list(positions)

    def __len__(self) -> int:
        return len(self.positions)

    def __getitem__(self, index: int) -> Any:
        return self.__getitems__([index])[0]

    def __getitems__(self, indices: Sequence[int]) -> list[Any]:
        """The records at `indices`; one without an integer `id` gets its position in the
        parent as its id, the source id it has in the whole split (`records.source_id`)."""
        wanted = [self.positions[i] for i in indices]
        if not wanted:
            return []
        read = self._parent.__getitems__(wanted)
        return [
            {**record, 'id': records.source_id(position, record)}
            for position, record in zip(wanted, read, strict=True)
        ]


def bucket(key: Any) -> int:
    """int(md5(str(key))[:8], 16) % 100: the hash bucket, in 0..99, of a source id or path."""
    return int(hashlib.md5(str(key).encode()).hexdigest()[:8], 16) % 100


def held_out(source_id: Any) -> bool:
    """Whether the example with this source id belongs to the carved validation split."""
    return bucket(source_id) < HOLDOUT_PERCENT


def carved_split(key: Any, splits: tuple[str, ...] = (VALIDATION, TEST)) -> str:
    """The split of the example `key` when `splits` (some of validation and test) are carved from
    train: validation for buckets below HOLDOUT_PERCENT, test for the next HOLDOUT_PERCENT."""
    share = bucket(key) // HOLDOUT_PERCENT
    carved = {0: VALIDATION, 1: TEST}.get(share)
    return carved if carved in splits else TRAIN


def source_ids(source: Sequence) -> list[Any]:
    """The stored `id` of every record of `source` (its position where records have none),
    decoding no other feature where TFDS stores the id plainly (an image is not decoded)."""
    features = getattr(getattr(source, 'dataset_info', None), 'features', None)
    if isinstance(features, tfds.features.FeaturesDict) and 'id' not in features:
        return list(range(len(source)))
    readable = records.decoded(source, keys=('id',))
    ids: list[Any] = []
    for start in range(0, len(readable), READ_CHUNK):
        chunk = list(range(start, min(start + READ_CHUNK, len(readable))))
        for position, record in zip(chunk, readable.__getitems__(chunk), strict=True):
            ids.append(record['id'] if 'id' in record else position)
    return ids


def train_ids(builder: tfds.core.DatasetBuilder, train: Sequence) -> list[Any]:
    """source_ids(train), read once per prepared dataset and process: a run opens train and the
    carved validation split, both from these ids. The key is the prepared directory and the time
    its dataset_info.json was written, so a dataset prepared again is read again."""
    try:
        stamp = os.stat(os.path.join(builder.data_dir, 'dataset_info.json')).st_mtime_ns
    except OSError:  # not a local directory: no cache
        return source_ids(train)
    key = (str(builder.data_dir), stamp)
    if key not in _TRAIN_IDS:
        if len(_TRAIN_IDS) >= KEPT_ID_LISTS:
            _TRAIN_IDS.clear()
        _TRAIN_IDS[key] = source_ids(train)
    return _TRAIN_IDS[key]


def carved(builder: tfds.core.DatasetBuilder) -> bool:
    """Whether `builder`'s validation split is carved from its train split."""
    splits = builder.info.splits
    return VALIDATION not in splits and TRAIN in splits


def split_names(builder: tfds.core.DatasetBuilder) -> list[str]:
    """The split names `open_split` takes whole: the builder's, plus a carved validation."""
    return sorted({*builder.info.splits, *([VALIDATION] if carved(builder) else [])})


def open_split(builder: tfds.core.DatasetBuilder, split: str, where: str) -> Sequence:
    """The records of split `split` (see the module docstring); `where` names the config key in
    the one-line error for a split the dataset does not have."""
    if carved(builder) and split in (TRAIN, VALIDATION):
        train = builder.as_data_source(split=TRAIN)
        keep = [held_out(i) == (split == VALIDATION) for i in train_ids(builder, train)]
        return Subset(train, [position for position, kept in enumerate(keep) if kept])
    try:
        return builder.as_data_source(split=split)
    except ValueError as error:  # TFDS's one-line "unknown split" error
        raise ConfigError(
            f'{where}={split!r}: {str(error).splitlines()[0]}; allowed: '
            f'{", ".join(split_names(builder))}'
        ) from None
