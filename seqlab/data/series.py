"""Time series: chronological splits, standardisation fitted on train, forecasting windows.

A stored split (see the `co2`, `sunspots` and `elnino` builders) holds the series from its very
first step up to the end of that split, plus `first_target`, the index of the split's own first
step. Windows may therefore take their context from earlier splits, while the steps they forecast
belong to that split alone.
"""

import dataclasses
from collections.abc import Sequence

import numpy as np

from seqlab.data.types import BadRecordError

SPLITS = ('train', 'validation', 'test')
DEFAULT_FRACTIONS = (0.7, 0.15, 0.15)
# What a series builder stores per split: name -> (shape, dtype); `id` is the split's position.
STORED_COLUMNS = {
    'id': ((), np.int64),
    'first_target': ((), np.int64),
    'values': ((None,), np.float32),
    'observed': ((None,), np.bool_),
    'year': ((None,), np.float32),  # fractional year; float32 resolves about an hour
}


def chronological_bounds(
    length: int, fractions: Sequence[float] = DEFAULT_FRACTIONS
) -> dict[str, tuple[int, int]]:
    """Cuts `range(length)` into consecutive train/validation/test runs: name -> (start, stop)."""
    if len(fractions) != len(SPLITS) or min(fractions) <= 0 or not np.isclose(sum(fractions), 1):
        raise ValueError(f'fractions must be 3 positive numbers summing to 1, got {fractions}')
    stops = np.round(np.cumsum(fractions) * length).astype(int)
    starts = np.concatenate([[0], stops[:-1]])
    if np.any(stops <= starts):
        raise ValueError(f'a series of length {length} is too short to split by {fractions}')
    return {name: (int(a), int(b)) for name, a, b in zip(SPLITS, starts, stops, strict=True)}


def split_series(
    columns: dict[str, np.ndarray], fractions: Sequence[float] = DEFAULT_FRACTIONS
) -> dict[str, dict[str, np.ndarray]]:
    """Splits aligned per-step columns ([time, ...] each) chronologically.

    Each split gets every column up to its stop (history included), `first_target` (its start)
    and `id` (its position in SPLITS).
    """
    length = len(next(iter(columns.values())))
    bounds = chronological_bounds(length, fractions)
    return {
        name: {
            'id': SPLITS.index(name),
            'first_target': start,
            **{key: value[:stop] for key, value in columns.items()},
        }
        for name, (start, stop) in bounds.items()
    }


def _check_finite(values: np.ndarray) -> None:
    """BadRecordError (a ValueError) unless every value is finite."""
    bad = ~np.isfinite(values)
    if bad.any():
        raise BadRecordError(
            f'series has {int(bad.sum())} NaN or inf values; allowed: finite values (fill or '
            'drop the others first)'
        )


@dataclasses.dataclass(frozen=True)
class Scaler:
    """Standardisation `(values - mean) / std`, with statistics taken from training data only."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, train_values: np.ndarray) -> 'Scaler':
        """Per-channel statistics over time. train_values: [time] or [time, channels]. Values that
        give no statistics (fewer than 2, NaN or inf, constant) raise BadRecordError."""
        train_values = np.asarray(train_values, np.float64)
        if len(train_values) < 2:
            raise BadRecordError(
                f'need at least 2 training steps to fit a scaler, got {len(train_values)}'
            )
        _check_finite(train_values)
        if np.any(np.ptp(train_values, axis=0) == 0):
            raise BadRecordError(
                'a training series is constant (std 0); standardisation is undefined'
            )
        return cls(mean=train_values.mean(axis=0), std=train_values.std(axis=0))

    def transform(self, values: np.ndarray) -> np.ndarray:
        return ((np.asarray(values) - self.mean) / self.std).astype(np.float32)

    def inverse_transform(self, scaled: np.ndarray) -> np.ndarray:
        return (np.asarray(scaled) * self.std + self.mean).astype(np.float32)


def make_windows(
    values: np.ndarray,
    context: int,
    horizon: int,
    *,
    first_target: int = 0,
    stride: int = 1,
    observed: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """All (context, target) windows whose targets start at or after `first_target`.

    values: [time] or [time, channels]. A window starting its targets at t holds
    context = values[t - context : t] and target = values[t : t + horizon].
    Returns context [windows, context, ...], target [windows, horizon, ...], target_index
    [windows] (t of each window) and, given `observed` [time] bool, target_observed
    [windows, horizon].
    """
    for name, value in (('context', context), ('horizon', horizon), ('stride', stride)):
        if value < 1:
            raise ValueError(f'{name} must be >= 1, got {value}')
    values = np.asarray(values)
    _check_finite(values)
    if len(values) < context:
        raise ValueError(f'series of length {len(values)} is shorter than the context {context}')
    if not 0 <= first_target <= len(values):
        raise ValueError(f'first_target must lie in [0, {len(values)}], got {first_target}')
    target_index = np.arange(max(first_target, context), len(values) - horizon + 1, stride)
    if len(target_index) == 0:
        raise ValueError(
            f'no window fits: length {len(values)}, context {context}, horizon {horizon}, '
            f'first_target {first_target}'
        )
    target_steps = target_index[:, None] + np.arange(horizon)
    windows = {
        'context': values[target_index[:, None] + np.arange(-context, 0)],
        'target': values[target_steps],
        'target_index': target_index,
    }
    if observed is not None:
        if len(observed) != len(values):
            raise ValueError(f'observed has length {len(observed)}, values {len(values)}')
        windows['target_observed'] = np.asarray(observed, bool)[target_steps]
    return windows
