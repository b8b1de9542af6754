"""Series splits: windows standardised with train statistics only, step numbering, clear errors."""

import types

import ml_collections
import numpy as np
import pytest

from seqlab import data
from seqlab.config import ConfigError
from seqlab.data import series_splits
from seqlab.data.recipe import assemble

CONTEXT, HORIZON = 16, 4


def config(**overrides) -> ml_collections.ConfigDict:
    values = {
        'name': 'sunspots',
        'batch_size': 8,
        'eval_batch_size': 16,
        'data_dir': '',  # tests/conftest.py points SEQLAB_DATA_DIR at a per-session folder.
        'train_split': 'train',
        'eval_split': 'test',
        'context': CONTEXT,
        'horizon': HORIZON,
    }
    return ml_collections.ConfigDict({**values, **overrides})


class FakeBuilder:
    """Stored splits as a builder's data sources (one record per split, as the series builders)."""

    def __init__(self, values: np.ndarray, bounds: dict[str, tuple[int, int]]):
        self.records = {
            name: {
                'values': values[:stop],
                'observed': ~np.isnan(values[:stop]),
                'first_target': start,
            }
            for name, (start, stop) in bounds.items()
        }
        self.info = types.SimpleNamespace(splits=dict.fromkeys(self.records))

    def as_data_source(self, split: str) -> list[dict]:
        return [self.records[split]]


def make(builder: FakeBuilder, **overrides) -> data.Splits:
    data_config = config(**overrides)
    return assemble(series_splits.recipe(builder, data_config, seed=0), data_config, seed=0)


BOUNDS = {'train': (0, 60), 'validation': (60, 80), 'test': (60, 100)}  # as the builders ship


def test_scaling_uses_the_train_split_only():
    values = np.random.default_rng(0).normal(5.0, 2.0, size=100)
    splits = make(FakeBuilder(values, BOUNDS))
    np.testing.assert_allclose(splits.info.extras['mean'], values[:60].mean(), rtol=1e-6)
    np.testing.assert_allclose(splits.info.extras['std'], values[:60].std(), rtol=1e-6)
    shifted = values.copy()
    shifted[60:] = shifted[60:] * 100 + 1000  # whatever happens after training ...
    other = make(FakeBuilder(shifted, BOUNDS))
    assert other.info.extras == splits.info.extras  # ... leaves the scaling alone
    np.testing.assert_array_equal(
        next(iter(other.train))['context'], next(iter(splits.train))['context']
    )


def test_eval_windows_forecast_their_split_from_earlier_context():
    values = np.arange(100, dtype=np.float32) ** 1.5
    splits = make(FakeBuilder(values, BOUNDS), eval_batch_size=64)
    batch = splits.eval[0]
    real = batch['mask'] > 0
    assert len(splits.eval) == 1 and real.sum() == 37 and np.all(batch['id'][~real] == -1)
    starts = batch['target_index'][real]
    np.testing.assert_array_equal(starts, np.arange(60, 100 - HORIZON + 1))
    mean, std = splits.info.extras['mean'], splits.info.extras['std']
    for index, start in enumerate(starts):
        np.testing.assert_allclose(
            batch['context'][index] * std + mean, values[start - CONTEXT : start], rtol=1e-5
        )
        np.testing.assert_allclose(
            batch['target'][index] * std + mean, values[start : start + HORIZON], rtol=1e-5
        )
    np.testing.assert_allclose(batch['scale'][real], std)
    train = next(iter(splits.train))
    assert train['target'].shape == (8, 1) and train['target_index'].max() < 60


def test_train_batches_count_steps_across_a_resume():
    splits = make(FakeBuilder(np.sin(np.arange(100.0)), BOUNDS))
    iterator = iter(splits.train)
    assert [int(next(iterator)['step'][0]) for _ in range(3)] == [0, 1, 2]
    state = iterator.get_state()
    following = next(iterator)
    resumed = iter(splits.train)
    resumed.set_state(state)
    again = next(resumed)
    np.testing.assert_array_equal(again['step'], np.full(8, 3))
    np.testing.assert_array_equal(again['context'], following['context'])


def test_sunspots_windows_come_from_the_builder():
    splits = data.get(config(), seed=0)
    info = splits.info
    assert info.modality == 'series' and info.input_shape == (CONTEXT,)
    assert info.num_eval == info.extras['length'] - info.extras['first_target'] - HORIZON + 1
    batch = next(iter(splits.train))
    assert batch['context'].dtype == np.float32 and batch['target_observed'].all()


def test_a_nan_series_and_a_short_series_are_named_in_one_line():
    values = np.random.default_rng(1).normal(size=100)
    values[70] = np.nan
    with pytest.raises(
        data.BadRecordError, match=r'^sunspots test record 0: series has 1 NaN or inf values'
    ):
        make(FakeBuilder(values, BOUNDS))
    values[:60] = np.nan
    with pytest.raises(data.BadRecordError, match=r'^sunspots train record 0: series has 60 NaN'):
        make(FakeBuilder(values, BOUNDS))
    short = np.arange(100.0)
    with pytest.raises(ConfigError, match=r'^sunspots train: series of length 60 is shorter than'):
        make(FakeBuilder(short, BOUNDS), context=80)
    with pytest.raises(
        ConfigError, match=r'^sunspots test: no window of context 8 and horizon 41 '
    ):
        make(FakeBuilder(short, BOUNDS), context=8, horizon=41)


@pytest.mark.parametrize(
    ('overrides', 'message'),
    [
        ({'context': 1}, r'config.data.context=1 is not allowed; allowed: an int >= 2'),
        ({'horizon': 0}, r'config.data.horizon=0 is not allowed; allowed: an int >= 1'),
        ({'horizon': 2.5}, r'config.data.horizon=2.5 is not allowed'),
    ],
)
def test_check_rejects_bad_keys_in_one_line(overrides, message):
    with pytest.raises(ConfigError, match=message):
        data.check(config(**overrides))
