"""Plain TFDS records decoded without TFDS's generic path equal TFDS's own decoding."""

import numpy as np
import pytest
import tensorflow_datasets as tfds
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from seqlab.data import builders, records

PLAIN = tfds.features.FeaturesDict(
    {
        'image': tfds.features.Tensor(shape=(3, 2, 1), dtype=np.uint8),
        'edges': tfds.features.Tensor(shape=(None, 2), dtype=np.int32),
        'observed': tfds.features.Tensor(shape=(None,), dtype=np.bool_),
        'frames': tfds.features.Tensor(shape=(2, None), dtype=np.int16),
        'values': tfds.features.Tensor(shape=(4,), dtype=np.float32),
        'weight': tfds.features.Scalar(dtype=np.float32),
        'id': tfds.features.Scalar(dtype=np.int64),
        'label': tfds.features.ClassLabel(num_classes=5),
        'text': tfds.features.Text(),
    }
)
FLOATS = st.floats(-1e6, 1e6, width=32)
EXAMPLES = st.fixed_dictionaries(
    {
        'image': hnp.arrays(np.uint8, (3, 2, 1)),
        'edges': hnp.arrays(np.int32, st.tuples(st.integers(0, 4), st.just(2))),
        'observed': hnp.arrays(np.bool_, st.integers(0, 5)),
        'frames': hnp.arrays(np.int16, st.tuples(st.just(2), st.integers(0, 3))),
        'values': hnp.arrays(np.float32, 4, elements=FLOATS),
        'weight': FLOATS,
        'id': st.integers(-(2**63), 2**63 - 1),
        'label': st.integers(0, 4),
        'text': st.text(max_size=8),
    }
)


def assert_same_decoding(expected: dict, actual: dict) -> None:
    """Same keys, and per key the same type, and for arrays the same dtype, shape and values."""
    assert expected.keys() == actual.keys()
    for key, want in expected.items():
        got = actual[key]
        assert type(got) is type(want), key
        if isinstance(want, np.ndarray):
            assert (got.dtype, got.shape) == (want.dtype, want.shape), key
            np.testing.assert_array_equal(got, want, err_msg=key)
        else:
            assert got == want, key


@settings(max_examples=40, deadline=None)
@given(example=EXAMPLES)
def test_plain_decoding_equals_tfds_decoding(example):
    record = PLAIN.serialize_example(example)
    decode = records.PlainDecoder(records.plain_fields(PLAIN))
    assert_same_decoding(PLAIN.deserialize_example_np(record), decode(record))


ID = {'id': tfds.features.Scalar(dtype=np.int64)}


@pytest.mark.parametrize(
    'feature',
    [
        tfds.features.Image(shape=(4, 4, 1)),
        tfds.features.Tensor(shape=(2,), dtype=np.uint64),
        tfds.features.Tensor(shape=(None, None), dtype=np.int32),
        tfds.features.Tensor(shape=(3,), dtype=np.int32, encoding='zlib'),
        tfds.features.Sequence(tfds.features.Scalar(dtype=np.int32)),
        tfds.features.FeaturesDict({'inner': tfds.features.Scalar(dtype=np.int32)}),
    ],
    ids=['image', 'uint64', 'two_unknown_dims', 'bytes_encoded', 'sequence', 'nested'],
)
def test_features_that_decode_beyond_a_reshape_keep_tfds_decoding(feature):
    assert records.plain_fields(tfds.features.FeaturesDict(ID)) == [('id', np.int64, None)]
    assert records.plain_fields(tfds.features.FeaturesDict({**ID, 'x': feature})) is None


def test_a_dataset_of_one_feature_keeps_tfds_decoding():
    assert records.plain_fields(tfds.features.Scalar(dtype=np.int64)) is None


def test_a_record_missing_a_feature_is_a_key_error():
    record = tfds.features.FeaturesDict(ID).serialize_example({'id': 3})
    label = tfds.features.FeaturesDict({**ID, 'label': tfds.features.ClassLabel(num_classes=2)})
    with pytest.raises(KeyError, match="record has no feature 'label'"):
        records.PlainDecoder(records.plain_fields(label))(record)


def test_a_tfds_source_reads_the_same_examples_plainly(data_dir):
    builder = builders.offline('digits', str(data_dir))
    source = builder.as_data_source(split='test')
    plain = records.decoded(source)
    assert isinstance(plain, records.PlainRecords) and len(plain) == len(source)
    indices = [351, 0, 17, 17, 200]
    for want, got in zip(source.__getitems__(indices), plain.__getitems__(indices), strict=True):
        assert_same_decoding(want, got)
    assert_same_decoding(source[5], plain[5])
    assert plain.__getitems__([]) == []
    custom = builder.as_data_source(split='test', decoders={'image': tfds.decode.SkipDecoding()})
    raw = builder.as_data_source(
        split='test', deserialize_method=tfds.decode.DeserializeMethod.RAW_BYTES
    )
    assert records.decoded(custom) is custom and records.decoded(raw) is raw
    assert records.decoded([{'id': 0}]) == [{'id': 0}]
