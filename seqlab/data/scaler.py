"""Standardisation with statistics of the training data alone, `(values - mean) / std`: series
values (seqlab/data/series_splits.py) and graph-level regression targets
(seqlab/data/graph_splits.py)."""

import dataclasses

import numpy as np

from seqlab.data.types import BadRecordError


def check_finite(values: np.ndarray) -> None:
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
        check_finite(train_values)
        if np.any(np.ptp(train_values, axis=0) == 0):
            raise BadRecordError(
                'a training series is constant (std 0); standardisation is undefined'
            )
        return cls(mean=train_values.mean(axis=0), std=train_values.std(axis=0))

    def transform(self, values: np.ndarray) -> np.ndarray:
        return ((np.asarray(values) - self.mean) / self.std).astype(np.float32)

    def inverse_transform(self, scaled: np.ndarray) -> np.ndarray:
        return (np.asarray(scaled) * self.std + self.mean).astype(np.float32)
