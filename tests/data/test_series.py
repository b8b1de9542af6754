"""Chronological splits, train-only scaling and forecasting windows of seqlab.data.series and
seqlab.data.scaler."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqlab.data.scaler import Scaler
from seqlab.data.series import SPLITS, chronological_bounds, make_windows, split_series

finite = st.floats(-1e3, 1e3, allow_nan=False, width=32)


@settings(max_examples=50, deadline=None)
@given(length=st.integers(20, 5000))
def test_bounds_are_consecutive_and_cover_the_series(length):
    bounds = chronological_bounds(length)
    starts = [bounds[name][0] for name in SPLITS]
    stops = [bounds[name][1] for name in SPLITS]
    assert starts[0] == 0 and stops[-1] == length
    assert starts[1:] == stops[:-1]
    assert all(start < stop for start, stop in zip(starts, stops, strict=True))
    assert abs(stops[0] - 0.7 * length) <= 1


@settings(max_examples=30, deadline=None)
@given(values=st.lists(finite, min_size=10, max_size=200))
def test_split_series_keeps_history_and_disjoint_targets(values):
    values = np.array(values, np.float32)
    splits = split_series({'values': values, 'step': np.arange(len(values))})
    targets = [split['step'][split['first_target'] :] for split in splits.values()]
    np.testing.assert_array_equal(np.concatenate(targets), np.arange(len(values)))
    for name, split in splits.items():
        assert split['id'] == SPLITS.index(name)
        np.testing.assert_array_equal(split['values'], values[: len(split['values'])])
    assert splits['validation']['first_target'] == len(splits['train']['values'])
    assert splits['test']['first_target'] == len(splits['validation']['values'])


@settings(max_examples=30, deadline=None)
@given(values=st.lists(finite, min_size=20, max_size=200), data=st.data())
def test_scaler_sees_train_only(values, data):
    values = np.array(values, np.float64)
    train = split_series({'values': values})['train']['values']
    if np.ptp(train) == 0:
        values[0] += 1.0  # a constant training series cannot be standardised
        train = split_series({'values': values})['train']['values']
    changed = values.copy()
    test_start = split_series({'values': values})['test']['first_target']
    changed[test_start:] = data.draw(
        st.lists(finite, min_size=len(values) - test_start, max_size=len(values) - test_start)
    )
    scaler = Scaler.fit(train)
    again = Scaler.fit(split_series({'values': changed})['train']['values'])
    assert scaler == again
    scaled = scaler.transform(train)
    assert abs(scaled.mean()) < 1e-3 and abs(scaled.std() - 1) < 1e-3
    np.testing.assert_allclose(
        scaler.inverse_transform(scaler.transform(values)), values, atol=1e-2
    )


def test_scaler_is_per_channel():
    train = np.stack([np.arange(10.0), 100 + 5 * np.arange(10.0)], axis=1)
    scaler = Scaler.fit(train)
    np.testing.assert_allclose(scaler.mean, [4.5, 122.5])
    np.testing.assert_allclose(scaler.std, [np.arange(10.0).std(), 5 * np.arange(10.0).std()])


@settings(max_examples=50, deadline=None)
@given(
    length=st.integers(2, 60),
    context=st.integers(1, 10),
    horizon=st.integers(1, 5),
    first_target=st.integers(0, 60),
    stride=st.integers(1, 3),
)
def test_windows_match_slices(length, context, horizon, first_target, stride):
    values = np.random.default_rng(length).normal(size=(length, 2))
    first_target = min(first_target, length)
    expected_starts = list(range(max(first_target, context), length - horizon + 1, stride))
    if length < context or not expected_starts:
        with pytest.raises(ValueError):
            make_windows(values, context, horizon, first_target=first_target, stride=stride)
        return
    observed = np.arange(length) % 3 > 0
    windows = make_windows(
        values, context, horizon, first_target=first_target, stride=stride, observed=observed
    )
    assert windows['target_index'].tolist() == expected_starts
    for k, t in enumerate(expected_starts):
        np.testing.assert_array_equal(windows['context'][k], values[t - context : t])
        np.testing.assert_array_equal(windows['target'][k], values[t : t + horizon])
        np.testing.assert_array_equal(windows['target_observed'][k], observed[t : t + horizon])


@pytest.mark.parametrize(
    ('values', 'kwargs', 'message'),
    [
        ([1.0, np.nan, 3.0, 4.0], {'context': 1, 'horizon': 1}, '1 NaN'),
        ([1.0, 2.0, 3.0], {'context': 4, 'horizon': 1}, 'shorter than the context 4'),
        ([1.0, 2.0, 3.0], {'context': 3, 'horizon': 1}, 'no window fits'),
        ([1.0, 2.0, 3.0], {'context': 0, 'horizon': 1}, 'context must be >= 1, got 0'),
        ([1.0, 2.0, 3.0], {'context': 1, 'horizon': 0}, 'horizon must be >= 1, got 0'),
        ([1.0, 2.0, 3.0], {'context': 1, 'horizon': 1, 'first_target': 5}, 'first_target'),
    ],
)
def test_bad_windows_raise(values, kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_windows(np.array(values), **kwargs)


@pytest.mark.parametrize(
    ('train', 'message'),
    [([1.0], 'at least 2'), ([1.0, np.nan, 2.0], 'NaN'), ([2.0, 2.0, 2.0], 'constant')],
)
def test_bad_scaler_input_raises(train, message):
    with pytest.raises(ValueError, match=message):
        Scaler.fit(np.array(train))


def test_bad_fractions_raise():
    with pytest.raises(ValueError, match='summing to 1'):
        chronological_bounds(100, (0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match='too short'):
        chronological_bounds(3, (0.9, 0.05, 0.05))
