"""TFDS records decoded straight from their `tf.train.Example` proto when every feature is plain.

A feature is plain when TFDS stores its values as they are in one int64, float or bytes list and
decoding only reshapes them: `Tensor`, `Scalar` and `ClassLabel` (not bytes-encoded, not uint64,
at most one dimension unknown) and `Text`. For such a features dict, `decoded(source)`
reads the raw records and gives exactly what `source.__getitems__` gives (arrays reshaped,
scalars as Python numbers or bytes) at about a quarter of TFDS's CPU time, which dispatches per
feature through its generic (nested, ragged, custom-decoder) path. Other sources pass through.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np
import tensorflow_datasets as tfds
from tensorflow_datasets.core.data_sources import base as data_sources
from tensorflow_datasets.proto import tf_example_pb2

PLAIN_FEATURES = (
    tfds.features.Tensor,
    tfds.features.Scalar,
    tfds.features.ClassLabel,
    tfds.features.Text,
)

# key, numpy dtype, shape (None for a scalar).
Field = tuple[str, np.dtype, tuple[int, ...] | None]


def plain_fields(
    features: tfds.features.FeatureConnector, keys: Sequence[str] | None = None
) -> list[Field] | None:
    """The fields of a features dict (of its `keys` only, when given) whose features are all
    plain; None if any is not."""
    if not isinstance(features, tfds.features.FeaturesDict):
        return None
    fields = []
    for key, feature in features.items():
        if keys is not None and key not in keys:
            continue
        stored = feature.get_serialized_info()
        is_plain = (
            type(feature) in PLAIN_FEATURES
            and isinstance(stored, tfds.features.TensorInfo)
            and (stored.shape, stored.np_dtype) == (feature.shape, feature.np_dtype)
            and stored.np_dtype != np.uint64
        )
        if not is_plain:
            return None
        shape = tuple(-1 if size is None else size for size in stored.shape)
        fields.append((key, stored.np_dtype, shape or None))
    return fields


class PlainDecoder:
    """Decodes one serialized record of plain `fields` into a dict of arrays and scalars."""

    def __init__(self, fields: Sequence[Field]):
        self._fields = tuple(fields)

    def __call__(self, record: bytes) -> dict[str, Any]:
        stored = tf_example_pb2.Example.FromString(record).features.feature
        example = {}
        for key, dtype, shape in self._fields:
            feature = stored[key]
            kind = feature.WhichOneof('kind')
            if kind is None:
                raise KeyError(f'record has no feature {key!r}')
            values = np.array(getattr(feature, kind).value, dtype)
            example[key] = values.item() if shape is None else values.reshape(shape)
        return example


class PlainRecords(Sequence):
    """A TFDS data source read as raw records and decoded by `PlainDecoder`."""

    def __init__(self, source: Any, decoder: PlainDecoder):
        self._records = source.data_source
        self._decode = decoder

    def __len__(self) -> int:
        return len(self._records)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self._decode(self._records[index])

    def __getitems__(self, indices: Sequence[int]) -> list[dict[str, Any]]:
        if not indices:  # array_record refuses an empty read.
            return []
        return [self._decode(record) for record in self._records.__getitems__(list(indices))]


def source_id(index: int, record: Any) -> np.int64:
    """The id an example is known by outside seqlab: the integer `id` its builder stores (for
    Fashion-MNIST its index in the official IDX files), else (none, or a string such as
    CIFAR-10's 'train_16399') its position `index` in the split."""
    stored = record.get('id') if hasattr(record, 'get') else None
    if stored is None or not np.issubdtype(np.asarray(stored).dtype, np.integer):
        return np.int64(index)
    return np.int64(stored)


def decoded(source: Sequence, keys: Sequence[str] | None = None) -> Sequence:
    """`source` read through `PlainRecords` when it is a TFDS data source that decodes every
    feature in full with TFDS's own decoders and all its features are plain; else `source`.
    With `keys`, only those features need be plain, and the records hold only them (nothing
    else is decoded): where they are not plain, `source` itself, whose records hold every
    feature."""
    is_tfds_default = (
        isinstance(source, data_sources.BaseDataSource)  # imported: tfds loads it lazily
        and source.decoders is None
        and source.deserialize_method == tfds.decode.DeserializeMethod.DESERIALIZE_AND_DECODE
    )
    fields = plain_fields(source.dataset_info.features, keys) if is_tfds_default else None
    return source if fields is None else PlainRecords(source, PlainDecoder(fields))
