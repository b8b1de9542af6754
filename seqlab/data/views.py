"""A prepared TFDS dataset read as another features dict: its records converted as they are read.

A catalogue dataset names its features as it likes, and a graph dataset in OGB's layout stores
other arrays than seqlab's graphs; the splits modules read seqlab's names and layout. A `View`
gives them both without a second copy on disk: `info.features` is the converted features dict,
`as_data_source(split)` converts each record as it is read, and everything else (splits, file
instructions, name) is the builder's own. `renamed` is the view that only renames features.
"""

import contextlib
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import tensorflow_datasets as tfds

from seqlab.data import record_scan, records

Convert = Callable[[dict], dict]


class Converted(Sequence):
    """The records of `source` converted by `convert`; a record it refuses is named as record
    <index> of `where` (`record_scan.naming`)."""

    def __init__(self, source: Sequence, convert: Convert, where: str):
        self._source = records.decoded(source)
        self._convert, self._where = convert, where

    def __len__(self) -> int:
        return len(self._source)

    def __getitem__(self, index: int) -> dict:
        return self.__getitems__([index])[0]

    def __getitems__(self, indices: Sequence[int]) -> list[dict]:
        indices = list(indices)
        if not indices:
            return []
        read = self._source.__getitems__(indices)
        converted = []
        for index, record in zip(indices, read, strict=True):
            with record_scan.naming(self._where, index):
                converted.append(self._convert(record))
        return converted


class ViewInfo:
    """`info` of a `View`: the builder's DatasetInfo with another `features`."""

    def __init__(self, info: tfds.core.DatasetInfo, features: tfds.features.FeaturesDict):
        self._info, self.features = info, features

    def __getattr__(self, name: str) -> Any:
        return getattr(self._info, name)


class View:
    """`builder` read as `features`, each record converted by `convert`; `data_dir` (default the
    builder's) is where what is learned from the view is cached: a tokenizer, record scans."""

    def __init__(
        self,
        builder: tfds.core.DatasetBuilder,
        features: tfds.features.FeaturesDict,
        convert: Convert,
        data_dir: str | None = None,
    ):
        self._builder, self._convert = builder, convert
        self.info = ViewInfo(builder.info, features)
        self.data_dir = data_dir or builder.data_dir

    def __getattr__(self, name: str) -> Any:
        return getattr(self._builder, name)

    def as_data_source(self, split: str) -> Converted:
        return Converted(
            self._builder.as_data_source(split=split), self._convert, f'{self.name} {split}'
        )


def rename(record: Mapping[str, Any], names: Mapping[str, str]) -> dict:
    """`record` with feature `names[new]` under `new`; a feature called like a new name that it
    does not hold is dropped (`names`: new name -> the record's key)."""
    kept = {k: v for k, v in record.items() if k not in names and k not in names.values()}
    return {**{new: record[old] for new, old in names.items()}, **kept}


def renamed(builder: tfds.core.DatasetBuilder, names: Mapping[str, str]) -> Any:
    """`builder` with feature `names[new]` read as `new` (the new names first); the builder
    itself when nothing is renamed. A renamed view caches in `<builder data dir>/keys/<new>=<old>
    ...`, so a tokenizer learned from one feature is never taken for another's."""
    names = {new: old for new, old in names.items() if new != old}
    if not names:
        return builder
    features = tfds.features.FeaturesDict(rename(builder.info.features, names))
    data_dir = os.path.join(
        builder.data_dir, 'keys', ','.join(f'{new}={old}' for new, old in sorted(names.items()))
    )
    with contextlib.suppress(OSError):  # a read-only data dir: caching there fails in one line
        os.makedirs(data_dir, exist_ok=True)
    return View(builder, features, lambda record: rename(record, names), data_dir)
