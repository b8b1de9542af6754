"""Grain pipelines: determinism, epochs as permutations, exact resume, eval coverage, sharding."""

import pickle

import grain
import ml_collections
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqlab import data
from seqlab.config import ConfigError
from seqlab.data import pipeline
from seqlab.data.builders import digits

# The digits split sizes, pinned by the hashed splits: train is the builder's 1,445 less the 139
# held out as validation (seqlab/data/holdout.py); eval is the test split.
NUM_TRAIN, NUM_EVAL = 1306, 352
DIGITS_TEST_IDS = digits.split_indices(1797)['test']  # the source ids of the test split
BATCH = 32


def config(**overrides) -> ml_collections.ConfigDict:
    values = {
        'name': 'digits',
        'batch_size': BATCH,
        'eval_batch_size': 100,
        'data_dir': '',  # tests/conftest.py points SEQLAB_DATA_DIR at a per-session folder.
        'train_split': 'train',
        'eval_split': 'test',
        'augment': 'flip_crop',
    }
    return ml_collections.ConfigDict({**values, **overrides})


def take(dataset: grain.MapDataset, count: int) -> list[dict]:
    """The first `count` batches of an iterator over `dataset`."""
    iterator = iter(dataset)
    return [next(iterator) for _ in range(count)]


def assert_batches_equal(expected: list[dict], actual: list[dict]) -> None:
    assert len(expected) == len(actual)
    for want, got in zip(expected, actual, strict=True):
        assert want.keys() == got.keys()
        for key in want:
            np.testing.assert_array_equal(want[key], got[key], err_msg=key)


@pytest.fixture(scope='module')
def splits() -> data.Splits:
    return data.get(config(), seed=0)


def test_info_describes_digits(splits):
    info = splits.info
    assert (info.name, info.modality, info.num_classes) == ('digits', 'vision', 10)
    assert (info.num_train, info.num_eval, info.input_shape) == (NUM_TRAIN, NUM_EVAL, (8, 8, 1))
    assert info.extras['class_names'] == tuple('0123456789')


def test_train_batches_have_fixed_shapes_dtypes_and_ranges(splits):
    for batch in take(splits.train, 3):
        assert batch['image'].shape == (BATCH, 8, 8, 1) and batch['image'].dtype == np.uint8
        assert batch['label'].shape == (BATCH,) and batch['label'].dtype == np.int32
        assert batch['id'].dtype == np.int64 and batch['mask'].dtype == np.float32
        assert batch['image'].max() > 1  # raw pixels: the jitted step scales them to [0, 1]
        assert set(batch['label']) <= set(range(10))
        np.testing.assert_array_equal(batch['mask'], 1)


def test_same_seed_gives_same_stream_and_another_seed_a_different_one(splits):
    first = take(splits.train, 3)
    assert_batches_equal(first, take(data.get(config(), seed=0).train, 3))
    other = take(data.get(config(), seed=1).train, 3)
    assert not np.array_equal(first[0]['id'], other[0]['id'])


def test_each_epoch_is_a_new_permutation_of_the_split(splits):
    epochs = 3
    batches = take(splits.train, epochs * NUM_TRAIN // BATCH + 1)
    stream = np.concatenate([batch['id'] for batch in batches])
    orders = [stream[epoch * NUM_TRAIN : (epoch + 1) * NUM_TRAIN] for epoch in range(epochs)]
    for order in orders:  # every source id of the train split once per epoch
        np.testing.assert_array_equal(np.sort(order), np.sort(orders[0]))
        assert len(set(order.tolist())) == NUM_TRAIN
    assert not np.array_equal(orders[0], orders[1])
    assert not np.array_equal(orders[1], orders[2])


def test_augmentation_changes_images_but_not_order_or_labels(splits):
    plain = take(data.get(config(augment='none'), seed=0).train, 2)
    augmented = take(splits.train, 2)
    for want, got in zip(plain, augmented, strict=True):
        np.testing.assert_array_equal(want['id'], got['id'])
        np.testing.assert_array_equal(want['label'], got['label'])
        assert not np.array_equal(want['image'], got['image'])


@settings(max_examples=4, deadline=None)
@given(consumed=st.integers(0, 120))
def test_restored_iterator_continues_exactly(splits, consumed):
    iterator = iter(splits.train)
    for _ in range(consumed):
        next(iterator)
    state = iterator.get_state()
    expected = [next(iterator) for _ in range(5)]
    restored = iter(data.get(config(), seed=0).train)
    restored.set_state(state)
    assert_batches_equal(expected, [next(restored) for _ in range(5)])


def test_eval_covers_every_example_once_with_padding_masked(splits):
    batches = list(splits.eval)
    assert len(batches) == -(-NUM_EVAL // 100)
    assert all(batch['image'].shape == (100, 8, 8, 1) for batch in batches)
    ids = np.concatenate([batch['id'] for batch in batches])
    mask = np.concatenate([batch['mask'] for batch in batches])
    np.testing.assert_array_equal(np.sort(ids[mask == 1]), DIGITS_TEST_IDS)
    np.testing.assert_array_equal(mask, np.arange(len(mask)) < NUM_EVAL)
    np.testing.assert_array_equal(ids[mask == 0], -1)
    assert (batches[-1]['image'][batches[-1]['mask'] == 0] == 0).all()
    assert_batches_equal(batches, list(splits.eval))


@pytest.mark.parametrize('process_count', [2, 4])
def test_processes_together_give_the_single_process_batches(splits, process_count):
    hosts = [
        data.get(config(), seed=0, process_index=index, process_count=process_count)
        for index in range(process_count)
    ]
    for name, steps in (('train', 4), ('eval', 4)):
        single = take(getattr(splits, name), steps)
        local = [take(getattr(host, name), steps) for host in hosts]
        for step in range(steps):
            joined = {
                key: np.concatenate([batches[step][key] for batches in local])
                for key in single[step]
            }
            assert_batches_equal([single[step]], [joined])
        assert local[0][0]['image'].shape[0] == single[0]['image'].shape[0] // process_count


def test_batch_not_divisible_by_process_count_is_rejected():
    with pytest.raises(
        ConfigError, match='config.data.batch_size=32 is not divisible by process_co'
    ):
        data.get(config(), seed=0, process_count=3)
    with pytest.raises(ConfigError, match='config.data.eval_batch_size=100 is not divisible by p'):
        data.get(config(), seed=0, process_count=8)
    with pytest.raises(ValueError, match='global batch size 6 is not divisible by process_count=4'):
        pipeline.HostBatches(grain.MapDataset.range(10), 6, process_count=4)


@settings(max_examples=25, deadline=None)
@given(
    length=st.integers(1, 40),
    local_batch=st.integers(1, 5),
    process_count=st.integers(1, 4),
    pad=st.booleans(),
)
def test_host_batches_partition_a_stream_into_contiguous_blocks(
    length, local_batch, process_count, pad
):
    stream = grain.MapDataset.range(length).map(
        lambda i: {'id': np.int64(i), 'mask': np.float32(1)}
    )
    global_batch = local_batch * process_count
    padding = pipeline.padding_like(stream[0]) if pad else None
    hosts = [
        pipeline.HostBatches(
            stream, global_batch, process_index=i, process_count=process_count, padding=padding
        )
        for i in range(process_count)
    ]
    steps = -(-length // global_batch) if pad else length // global_batch
    assert all(len(host) == steps for host in hosts)
    if steps:
        np.testing.assert_array_equal(hosts[-1][::-1][0]['id'], hosts[-1][steps - 1]['id'])
    joined = [np.concatenate([host[step]['id'] for host in hosts]) for step in range(steps)]
    expected = np.arange(steps * global_batch)
    expected[expected >= length] = -1
    np.testing.assert_array_equal(np.concatenate(joined or [np.zeros(0, int)]), expected)


def test_pipelines_pickle_for_worker_processes(splits):
    for dataset in (splits.train, splits.eval):
        copy = pickle.loads(pickle.dumps(dataset))
        assert_batches_equal([dataset[1]], [copy[1]])
