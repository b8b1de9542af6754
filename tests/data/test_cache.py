"""`config.data.cache`: splits held in memory give the uncached pipeline's batches bit for bit."""

import concurrent.futures

import ml_collections
import numpy as np
import pytest

from seqlab import data
from seqlab.data import cache, pipeline

NUM_TRAIN, BATCH = 1306, 32  # digits train less validation: an epoch ends inside batch 41
STEPS = NUM_TRAIN // BATCH + 6


def config(**overrides) -> ml_collections.ConfigDict:
    values = {
        'name': 'digits',
        'batch_size': BATCH,
        'eval_batch_size': 100,
        'data_dir': '',
        'train_split': 'train',
        'eval_split': 'test',
        'augment': 'flip_crop',
    }
    return ml_collections.ConfigDict({**values, **overrides})


def assert_same(expected: list[dict], actual: list[dict]) -> None:
    assert len(expected) == len(actual)
    for want, got in zip(expected, actual, strict=True):
        assert want.keys() == got.keys()
        for key in want:
            assert want[key].dtype == got[key].dtype, key
            np.testing.assert_array_equal(want[key], got[key], err_msg=key)


def batches(iterator, count: int) -> list[dict]:
    return [next(iterator) for _ in range(count)]


@pytest.fixture(scope='module')
def both() -> dict[str, data.Splits]:
    return {choice: data.get(config(cache=choice), seed=3) for choice in ('memory', 'none')}


def test_cached_train_batches_equal_uncached_across_an_epoch_boundary(both):
    cached, uncached = (batches(iter(both[choice].train), STEPS) for choice in ('memory', 'none'))
    assert_same(uncached, cached)
    ids = np.concatenate([batch['id'] for batch in cached])
    assert len(np.unique(ids[:NUM_TRAIN])) == NUM_TRAIN  # the stream did cross an epoch


@pytest.mark.parametrize('consumed', [0, 7, NUM_TRAIN // BATCH - 1, NUM_TRAIN // BATCH + 2])
def test_iterator_states_restore_into_either_pipeline(both, consumed):
    source = iter(both['none'].train)
    batches(source, consumed)
    state = source.get_state()
    expected = batches(source, 4)
    for choice in ('memory', 'none'):
        restored = iter(data.get(config(cache=choice), seed=3).train)
        restored.set_state(state)
        assert_same(expected, batches(restored, 4))
        assert restored.get_state() == source.get_state()


def test_cached_eval_equals_uncached_with_its_padding(both):
    assert_same(list(both['none'].eval), list(both['memory'].eval))


@pytest.mark.parametrize('process_count', [2, 4])
def test_cached_process_batches_equal_uncached(process_count):
    for index in range(process_count):
        hosts = [
            data.get(config(cache=choice), seed=3, process_index=index, process_count=process_count)
            for choice in ('memory', 'none')
        ]
        for name in ('train', 'eval'):
            cached, uncached = (list(getattr(host, name)[:4]) for host in hosts)
            assert_same(uncached, cached)


class CountingSource:
    """Records `{'x': [2] float32}` that count how many times they were read."""

    def __init__(self, length: int):
        self.length, self.reads = length, 0

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> dict:
        return self.__getitems__([index])[0]

    def __getitems__(self, indices: list[int]) -> list[dict]:
        self.reads += len(indices)
        return [{'x': np.full(2, index, np.float32)} for index in indices]


def prepare(index: int, record: dict) -> dict:
    return {'x': record['x'], 'id': np.int64(index), 'mask': np.float32(1)}


@pytest.mark.parametrize(
    ('choice', 'limit', 'held'),
    [
        ('auto', 10 * 20, True),
        ('auto', 10 * 20 - 1, False),
        ('memory', 0, True),
        ('none', 10**9, False),
    ],
)
def test_choice_and_size_limit_decide_whether_records_are_read_once(
    monkeypatch, choice, limit, held
):
    monkeypatch.setattr(cache, 'AUTO_LIMIT_BYTES', limit)  # 10 examples of 20 bytes
    source = CountingSource(10)
    train = pipeline.train_batches(
        source,
        prepare=prepare,
        augment=None,
        finalize=dict,
        seed=0,
        global_batch=4,
        cache_choice=choice,
    )
    reads_at_construction = source.reads
    first = train[0]
    reads_after_the_first_batch = source.reads
    ids = np.concatenate([first['id']] + [train[step]['id'] for step in range(1, 5)])
    assert sorted(ids[:10]) == list(range(10))
    assert (source.reads == reads_after_the_first_batch) == held
    if held:  # filled when the first batch is read, not when the pipeline is made
        assert reads_at_construction <= 1 and reads_after_the_first_batch >= 10


def test_a_split_never_read_is_never_filled_and_threads_share_one_fill():
    source = CountingSource(50)
    examples = cache.Lazy(len(source), source.__getitems__, prepare)
    assert len(examples) == 50 and source.reads == 0 and not examples.filled
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        taken = list(pool.map(lambda i: examples.take([i, 49 - i]), range(16)))
    assert source.reads == 50 and examples.filled
    for i, batch in enumerate(taken):
        np.testing.assert_array_equal(batch['id'], [i, 49 - i])
        np.testing.assert_array_equal(batch['x'][:, 0], [i, 49 - i])


def test_bad_cache_value_names_the_allowed_ones():
    with pytest.raises(
        ValueError, match=r"^config.data.cache='disk' is not allowed; allowed: auto, memory, none$"
    ):
        data.get(config(cache='disk'), seed=0)


def test_per_example_augmentation_cannot_be_cached():
    with pytest.raises(ValueError, match="config.data.cache='memory' is not allowed with a per-e"):
        pipeline.train_batches(
            CountingSource(4),
            prepare=prepare,
            augment=lambda element, rng: element,
            finalize=dict,
            seed=0,
            global_batch=2,
            cache_choice='memory',
        )


def test_examples_of_different_shapes_or_strings_are_refused():
    with pytest.raises(ValueError, match='all input arrays must have the same shape'):
        cache.fill(2, lambda indices: indices, lambda index, record: {'x': np.zeros(index)})
    with pytest.raises(ValueError, match="cannot cache 'name' of dtype <U1; only numbers"):
        cache.fill(2, lambda indices: indices, lambda index, record: {'name': str(index)})
