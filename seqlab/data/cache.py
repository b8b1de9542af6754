"""A split's prepared examples held in memory as stacked arrays (`config.data.cache`).

`Examples` keeps `prepare(index, record)` of every record of a split, stacked per key into one
array with a leading [examples] axis, so a batch is one gather (`take(indices)`) instead of a
read, a decode, a `prepare` and a stack per example. The gathered batch is bitwise what stacking
the prepared examples gives, so a cached pipeline yields the same batches as an uncached one.
Only for modalities whose prepared examples all have the same shapes.

The arrays are filled at the first batch read, not when the split is opened (`Lazy`): a split
that a run opens but never reads, such as the train split of an eval or predict run, costs
nothing.

`config.data.cache` chooses: 'auto' (in memory when the split's prepared examples take at most
`AUTO_LIMIT_BYTES`, estimated from the first one), 'memory' (always) or 'none' (read the records
for every batch).
"""

import functools
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from seqlab.config import ConfigError

CACHES = ('auto', 'memory', 'none')
AUTO_LIMIT_BYTES = 2**30
READ_CHUNK = 1024  # records per batched read while filling the cache


def check(value: Any) -> None:
    """Raises a one-line ConfigError unless `value` is an allowed `config.data.cache`."""
    if value not in CACHES:
        raise ConfigError(
            f'config.data.cache={value!r} is not allowed; allowed: {", ".join(CACHES)}'
        )


def nbytes(example: dict) -> int:
    """Bytes of one prepared example's arrays and numbers."""
    return sum(np.asarray(value).nbytes for value in example.values())


def wanted(choice: str, count: int, example: Callable[[], dict]) -> bool:
    """Whether `choice` holds a split of `count` examples in memory; `example()` gives one
    prepared example to size them (called for 'auto' only)."""
    check(choice)
    if choice == 'auto':
        return 0 < count and count * nbytes(example()) <= AUTO_LIMIT_BYTES
    return 0 < count and choice == 'memory'


class Examples:
    """Prepared examples as arrays `{key: [count, ...]}`, read by index."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.arrays = arrays

    def __len__(self) -> int:
        return len(next(iter(self.arrays.values())))

    def take(self, indices: Sequence[int]) -> dict[str, np.ndarray]:
        """The examples at `indices` stacked: `{key: [len(indices), ...]}`."""
        rows = np.asarray(indices, dtype=np.int64)
        return {key: array[rows] for key, array in self.arrays.items()}


def fill(
    count: int,
    read: Callable[[list[int]], Sequence[Any]],
    prepare: Callable[[int, Any], dict],
) -> Examples:
    """`prepare(index, record)` of records 0..count-1, read `READ_CHUNK` at a time by
    `read(indices)`, stacked per key. Fails if the examples' shapes differ or a value is not
    numeric (stacked strings would take the widest string of the split, not of the batch)."""
    chunks = []
    for start in range(0, count, READ_CHUNK):
        indices = list(range(start, min(start + READ_CHUNK, count)))
        prepared = [
            prepare(index, record) for index, record in zip(indices, read(indices), strict=True)
        ]
        chunks.append(
            {key: np.stack([example[key] for example in prepared]) for key in prepared[0]}
        )
    arrays = {key: np.concatenate([chunk[key] for chunk in chunks]) for key in chunks[0]}
    for key, array in arrays.items():
        if array.dtype.kind not in 'biufc':
            raise ValueError(f'cannot cache {key!r} of dtype {array.dtype}; only numbers')
    return Examples(arrays)


class Lazy:
    """The `Examples` of `fill(count, read, prepare)`, filled at the first `take` and kept; the
    threads that read batches ahead share that one fill."""

    def __init__(
        self,
        count: int,
        read: Callable[[list[int]], Sequence[Any]],
        prepare: Callable[[int, Any], dict],
    ):
        self._count = count
        self._fill = functools.partial(fill, count, read, prepare)
        self._examples: Examples | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._count

    def __getstate__(self) -> dict:  # pickled for grain's worker processes, without the lock
        return {key: value for key, value in self.__dict__.items() if key != '_lock'}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _lock=threading.Lock())

    @property
    def filled(self) -> bool:
        return self._examples is not None

    def take(self, indices: Sequence[int]) -> dict[str, np.ndarray]:
        """`Examples.take` of the filled examples (filling them first, once)."""
        with self._lock:
            if self._examples is None:
                self._examples = self._fill()
        return self._examples.take(indices)
