"""Time series: chronological splits and forecasting windows (standardised with the train split's
statistics by seqlab/data/scaler.py).

A stored split (see the `co2`, `sunspots` and `elnino` builders) holds the series from its very
first step up to the end of that split, plus `first_target`, the index of the split's own first
step. Windows may therefore take their context from earlier splits, while the steps they forecast
belong to that split alone.
"""

from collections.abc import Sequence

import numpy as np

from seqlab.data.scaler import check_finite

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
    check_finite(values)
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
