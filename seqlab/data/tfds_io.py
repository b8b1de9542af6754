"""The TFDS reading and writing every modality shares: where prepared datasets live, a configured
split opened as records, and the deterministic serialisation that prepared datasets are written
with.

`data_dir(config.data)` is `config.data.data_dir`, else env SEQLAB_DATA_DIR, else
~/.cache/seqlab/tfds. `source(builder, config.data, 'train_split')` opens the split that key names
(a carved validation split where the dataset has none: seqlab/data/holdout.py); `read_all` reads
a source whole. `serialize_deterministically()` makes TFDS write every build of a dataset as the
same bytes; `builders.prepared`, the one way seqlab prepares a dataset, calls it first.
"""

import os
from collections.abc import Sequence

import ml_collections
import tensorflow_datasets as tfds
from tensorflow_datasets.core import example_serializer

from seqlab.data import holdout

DEFAULT_DATA_DIR = '~/.cache/seqlab/tfds'
DATA_DIR_ENV = 'SEQLAB_DATA_DIR'


def data_dir(data_config: ml_collections.ConfigDict) -> str:
    """`config.data.data_dir`, or else env SEQLAB_DATA_DIR, or else ~/.cache/seqlab/tfds."""
    chosen = data_config.data_dir or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR
    return os.path.expanduser(chosen)


def source(
    builder: tfds.core.DatasetBuilder, data_config: ml_collections.ConfigDict, key: str
) -> Sequence:
    """The records of split `config.data.<key>` (a carved validation split where the dataset has
    none: seqlab/data/holdout.py)."""
    return holdout.open_split(builder, data_config[key], f'config.data.{key}')


def read_all(data_source: Sequence) -> list[dict]:
    """Every record of `data_source`, in order, in one batched read."""
    return list(data_source.__getitems__(list(range(len(data_source)))))


def _serialized_deterministically(self, example) -> bytes:
    """ExampleSerializer.serialize_example with deterministic protobuf serialisation."""
    return self.get_tf_example(example).SerializeToString(deterministic=True)


def serialize_deterministically() -> None:
    """Makes TFDS serialise examples deterministically from now on, in this process.

    TFDS serialises each example's feature map in a per-process hash order, so two builds in
    different processes differ in bytes while decoding to the same examples. With deterministic
    protobuf serialisation every build is byte-identical (docs/data.md: the same bytes on every
    build). Idempotent; call it before preparing a dataset.
    """
    example_serializer.ExampleSerializer.serialize_example = _serialized_deterministically
