"""Grain pipelines shared by every modality: shuffle, repeat, augment, batch, shard per process.

A pipeline is a `grain.MapDataset` of batches; `iter()` gives an iterator with `get_state()` /
`set_state()`, so a restored iterator continues exactly. Per-example random transforms are
seeded by `(seed, position in the global stream)`; batch transforms draw the parameters of the
whole global batch from one generator seeded by `(seed, batch index)` and apply this process's
rows. Either way every process count and every resume sees the same examples with the same
augmentation.

Elements are dicts of numpy arrays that carry `id` (int64) and `mask` (float32, 1 for a real
example); padding examples have `id` -1 and `mask` 0.

With `cache_choice` ('auto', 'memory' or 'none'; see `seqlab/data/cache.py`) a split whose prepared
examples fit is read and prepared once, when its first batch is read, and each batch is one gather
from memory; the stream of indices is shuffled by the same grain transformations, so the batches,
their order and the iterator states are those of the uncached pipeline, bit for bit.

`iter()` reads ahead with `READ_OPTIONS` instead of grain's default (16 threads, 500 batches
ahead), which swamps small machines; `dataset.to_iter_dataset(read_options)` picks others.
"""

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any

import grain
import numpy as np

from seqlab.data import cache, records

Prepare = Callable[[int, Any], dict]
Augment = Callable[[dict, np.random.Generator], dict]
Finalize = Callable[[dict], dict]


@dataclasses.dataclass(frozen=True)
class BatchAugment:
    """A random transform of whole batches, vectorised over the batch axis.

    `draw(rng, count)` gives per-example parameters, arrays with a leading [count] axis, for a
    global batch of `count`; `apply(batch, parameters)` transforms a batch with its rows of them.
    """

    draw: Callable[[np.random.Generator, int], dict[str, np.ndarray]]
    apply: Callable[[dict, dict[str, np.ndarray]], dict]


READ_OPTIONS = grain.ReadOptions(num_threads=2, prefetch_buffer_size=8)


class BatchedReads:
    """A random-access source read one batch per call (`__getitems__`) when grain asks for many.

    TFDS array_record sources read about 4x faster this way than one record at a time, and
    those with plain features are decoded by `records.decoded`.
    """

    def __init__(self, source: Sequence):
        self._source = records.decoded(source)

    def __len__(self) -> int:
        return len(self._source)

    def __getitem__(self, index: int) -> Any:
        return self._source[index]

    def _getitems(self, indices: Sequence[int]) -> Sequence[Any]:
        return self._source.__getitems__(list(indices))


class Indices(grain.MapDataset):
    """The indices 0..length-1 of a split held in memory, read a batch per call (grain's
    `MapDataset.range` reads one element per call)."""

    def __init__(self, length: int):
        super().__init__()
        self._length = length

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: int | slice) -> int | grain.MapDataset:
        if isinstance(index, slice):
            return self.slice(index)
        return index % self._length

    def _getitems(self, indices: Sequence[int]) -> list[int]:
        return [index % self._length for index in indices]


def shuffled_epochs(stream: grain.MapDataset, seed: int) -> grain.MapDataset:
    """`stream` repeated forever, each epoch in a fresh permutation seeded by `(seed, epoch)`."""
    return stream.seed(seed).shuffle().repeat()


def examples_stream(
    reads: BatchedReads, prepare: Prepare, choice: str
) -> tuple[grain.MapDataset, cache.Lazy | None]:
    """The stream of a split for `HostBatches`: with the split prepared in memory when `choice`
    wants it, the indices 0..len-1 and the `Examples`; else the prepared examples and None."""
    if cache.wanted(choice, len(reads), lambda: prepare(0, reads[0])):
        examples = cache.Lazy(len(reads), reads._getitems, prepare)
        return Indices(len(examples)), examples
    return grain.MapDataset.source(reads).map_with_index(prepare), None


def prepare_modulo(index: int, record: Any, *, prepare: Prepare, length: int) -> dict:
    """`prepare(index % length, record)`: a repeated stream asks for indices past the end."""
    return prepare(index % length, record)


def padding_like(element: dict) -> dict:
    """An all-zero element shaped like `element`, with `id` -1 and `mask` 0."""
    padding = {key: np.zeros_like(value) for key, value in element.items()}
    padding['id'] = np.int64(-1)
    return padding


def stack(elements: Sequence[dict]) -> dict:
    """Stacks equally shaped elements into a batch: each value gets a leading [batch] axis."""
    return {key: np.stack([element[key] for element in elements]) for key in elements[0]}


class HostBatches(grain.MapDataset):
    """Cuts a stream into global batches and returns this process's contiguous block of each.

    Batch `k` of process `i` holds stream positions `k * global_batch + i * local_batch + j` for
    `j < local_batch`, where `local_batch = global_batch // process_count`; concatenating the
    processes' batches in process order gives the single-process global batch. With `padding`
    the last global batch is filled up with it; without, an incomplete last batch is dropped.
    `augment` randomises each stacked batch with parameters drawn from a generator seeded by
    `(seed, index)`, then `finalize(batch)` converts it. With `examples`, `parent` is a stream
    of indices into them and a batch is gathered by `examples.take` instead of stacked.
    """

    def __init__(
        self,
        parent: grain.MapDataset,
        global_batch: int,
        *,
        process_index: int = 0,
        process_count: int = 1,
        padding: dict | None = None,
        augment: BatchAugment | None = None,
        seed: int = 0,
        finalize: Finalize | None = None,
        examples: cache.Lazy | None = None,
    ):
        super().__init__(parent)
        if global_batch % process_count:
            raise ValueError(
                f'global batch size {global_batch} is not divisible by '
                f'process_count={process_count}'
            )
        if not 0 <= process_index < process_count:
            raise ValueError(f'process_index={process_index} is not in [0, {process_count})')
        self._global_batch = global_batch
        self._local_batch = global_batch // process_count
        self._offset = process_index * self._local_batch
        self._padding = padding
        self._augment = augment
        self._seed = seed
        self._finalize = finalize
        self._examples = examples
        full, remainder = divmod(len(parent), global_batch)
        self._length = full + bool(remainder and padding is not None)

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: int | slice) -> dict | grain.MapDataset:
        if isinstance(index, slice):
            return self.slice(index)
        if not 0 <= index < self._length:
            raise IndexError(f'batch {index} is not in [0, {self._length})')
        start = index * self._global_batch + self._offset
        positions = range(start, start + self._local_batch)
        real = [position for position in positions if position < len(self._parent)]
        # The private batched read is grain's own pushdown hook (used by its batch experiment).
        elements = self._parent._getitems(real)
        padding = [self._padding] * (self._local_batch - len(real))
        if self._examples is None:
            batch = stack([*elements, *padding])
        else:
            batch = self._examples.take(elements)
            if padding:
                filler = stack(padding)
                batch = {key: np.concatenate([batch[key], filler[key]]) for key in batch}
        if self._augment is not None:
            parameters = self._augment.draw(
                np.random.default_rng((self._seed, index)), self._global_batch
            )
            rows = slice(self._offset, self._offset + self._local_batch)
            batch = self._augment.apply(
                batch, {key: value[rows] for key, value in parameters.items()}
            )
        return batch if self._finalize is None else self._finalize(batch)

    def __iter__(self) -> grain.DatasetIterator:
        return self.to_iter_dataset(READ_OPTIONS).__iter__()

    def __str__(self) -> str:
        return (
            f'HostBatches(global_batch={self._global_batch}, local_batch={self._local_batch}, '
            f'offset={self._offset})'
        )


def train_batches(
    source: Sequence,
    *,
    prepare: Prepare,
    augment: Augment | BatchAugment | None,
    finalize: Finalize | None,
    seed: int,
    global_batch: int,
    process_index: int = 0,
    process_count: int = 1,
    cache_choice: str = 'none',
) -> grain.MapDataset:
    """An endless stream of this process's training batches.

    Each epoch is a fresh seeded permutation of `source`; `prepare(index, record)` maps a record,
    `augment` randomises each element (`augment(element, rng)`) or, as a `BatchAugment`, each
    batch, and `finalize(batch)` converts the stacked batch. `cache_choice` may hold the split
    in memory (module docstring); per-element `augment` needs 'none'.
    """
    per_element = augment is not None and not isinstance(augment, BatchAugment)
    if per_element and cache_choice != 'none':
        raise ValueError(
            f'config.data.cache={cache_choice!r} is not allowed with a per-example augmentation; '
            "allowed: 'none'"
        )
    stream, examples = examples_stream(
        BatchedReads(source),
        functools.partial(prepare_modulo, prepare=prepare, length=len(source)),
        cache_choice,
    )
    stream = shuffled_epochs(stream, seed)
    if per_element:
        stream = stream.random_map(augment)
    return HostBatches(
        stream,
        global_batch,
        process_index=process_index,
        process_count=process_count,
        augment=augment if isinstance(augment, BatchAugment) else None,
        seed=seed,
        finalize=finalize,
        examples=examples,
    )


def eval_batches(
    source: Sequence,
    *,
    prepare: Prepare,
    finalize: Finalize | None,
    global_batch: int,
    process_index: int = 0,
    process_count: int = 1,
    cache_choice: str = 'none',
) -> grain.MapDataset:
    """One pass over `source` in order; the last global batch is padded (`mask` 0) to full size.
    `cache_choice` may hold the split in memory (module docstring)."""
    reads = BatchedReads(source)
    stream, examples = examples_stream(reads, prepare, cache_choice)
    return HostBatches(
        stream,
        global_batch,
        process_index=process_index,
        process_count=process_count,
        padding=padding_like(prepare(0, reads[0])),
        finalize=finalize,
        examples=examples,
    )


class NumberedBatches(grain.MapDataset):
    """Adds `step` int32 [batch] = the batch's index: the train step that consumes it, which keeps
    counting across a resume (the iterator state is the index)."""

    def __len__(self) -> int:
        return len(self._parent)

    def __getitem__(self, index: int | slice) -> dict | grain.MapDataset:
        if isinstance(index, slice):
            return self.slice(index)
        batch = self._parent[index]
        return {**batch, 'step': np.full(len(batch['mask']), index, np.int32)}

    def __iter__(self) -> grain.DatasetIterator:
        return self.to_iter_dataset(READ_OPTIONS).__iter__()
