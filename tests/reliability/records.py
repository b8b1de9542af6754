"""Copies of prepared datasets with one record rewritten, as a bad record on disk would be.

Offline datasets are TFDS array_record files of serialized `tf.train.Example` protos, one file per
split here (the datasets the tests prepare are small); `rewrite` edits one proto and writes the
file again with the file's own options.
"""

import glob
import os
import shutil
from collections.abc import Callable

from array_record.python.array_record_module import ArrayRecordReader, ArrayRecordWriter
from tensorflow_datasets.proto import tf_example_pb2

from seqlab import data
from seqlab.data import builders, record_scan
from tests.reliability import runs

Features = dict  # feature name -> tf_example_pb2.Feature, edited in place


def prepared_copy(spec: str, data_dir: os.PathLike) -> str:
    """Copies the dataset of config `spec`, prepared under $SEQLAB_DATA_DIR first if it is not
    yet, into `data_dir` (at the same relative path) without its remembered record scans; -> the
    copy's directory of prepared files."""
    config = runs.config_of(spec, {})
    root = data.data_dir(config.data)
    prepared = builders.offline(config.data.name, root).data_dir
    copy = os.path.join(data_dir, os.path.relpath(prepared, root))
    shutil.copytree(prepared, copy, ignore=shutil.ignore_patterns(record_scan.MEMO_FILE))
    return copy


def split_file(prepared: str, split: str) -> str:
    """The one array_record file of `split` in a directory of prepared files."""
    (path,) = glob.glob(os.path.join(prepared, f'*-{split}.array_record-*'))
    return path


def position(path: str, source_id: int) -> int:
    """The position, in the array_record file `path`, of the record whose stored `id` is
    `source_id` (batches carry source ids; TFDS stores records in its own order)."""
    reader = ArrayRecordReader(path)
    stored = reader.read_all()
    reader.close()
    for index, record in enumerate(stored):
        if tf_example_pb2.Example.FromString(record).features.feature['id'].int64_list.value[
            0
        ] == int(source_id):
            return index
    raise KeyError(f'no record with id {source_id} in {path}')


def rewrite(path: str, index: int, change: Callable[[Features], None]) -> None:
    """Rewrites record `index` (its position in the split) of the array_record file `path`:
    `change(features)` edits its tf.train.Example features in place."""
    reader = ArrayRecordReader(path)
    options, records = reader.writer_options_string(), reader.read_all()
    reader.close()
    example = tf_example_pb2.Example.FromString(records[index])
    change(example.features.feature)
    records[index] = example.SerializeToString()
    writer = ArrayRecordWriter(path + '.tmp', options)
    for record in records:
        writer.write(record)
    writer.close()
    os.replace(path + '.tmp', path)


def set_float(key: str, position: int, value: float) -> Callable[[Features], None]:
    """A `change` that sets value `position` of the float feature `key`."""

    def change(features: Features) -> None:
        features[key].float_list.value[position] = value

    return change
