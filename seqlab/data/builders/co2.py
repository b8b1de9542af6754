"""Mauna Loa atmospheric CO2 (ppm), weekly from 1958-03-29 to 2001-12-29: 2,284 steps.

Source: `statsmodels.datasets.co2`. Its 59 missing weeks are filled by linear interpolation
between the nearest observed weeks (all gaps are interior) and flagged `observed = False`, so
metrics can skip them. Splits are chronological 70 / 15 / 15 and store history (see
`seqlab.data.series`): each split holds the series from 1958 up to its own end, and its forecast
targets start at `first_target`.
"""

from typing import TYPE_CHECKING

import numpy as np
import tensorflow_datasets as tfds

from seqlab.data import series_builder

if TYPE_CHECKING:  # pandas and statsmodels are imported when the dataset is prepared
    import pandas as pd

MODALITY = 'series'


def decimal_year(dates: 'pd.DatetimeIndex') -> np.ndarray:
    """Dates as fractional years, e.g. 1958-07-02 -> 1958.5."""
    days_in_year = np.where(dates.is_leap_year, 366.0, 365.0)
    return (dates.year + (dates.dayofyear - 1) / days_in_year).to_numpy(np.float64)


def fill_gaps(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Linearly interpolates NaN steps of [time] values. Returns (filled values, observed mask)."""
    observed = ~np.isnan(values)
    if not observed[0] or not observed[-1]:
        raise ValueError('cannot interpolate a gap at the start or end of the series')
    steps = np.arange(len(values))
    return np.interp(steps, steps[observed], values[observed]), observed


def load() -> dict[str, np.ndarray]:
    """The whole series: values [time] float32, observed [time] bool, year [time] float32."""
    import pandas as pd
    from statsmodels.datasets import co2

    frame = co2.load_pandas().data
    values, observed = fill_gaps(frame['co2'].to_numpy(np.float64))
    return {
        'values': values.astype(np.float32),
        'observed': observed,
        'year': decimal_year(pd.DatetimeIndex(frame.index)).astype(np.float32),
    }


class Co2(series_builder.SeriesBuilder, skip_registration=True):
    """Weekly Mauna Loa CO2 with gaps filled, split chronologically."""

    VERSION = tfds.core.Version('1.0.0')
    RELEASE_NOTES = {'1.0.0': 'statsmodels co2, gaps interpolated, chronological 70/15/15.'}
    HOMEPAGE = 'https://www.statsmodels.org/stable/datasets/generated/co2.html'
    load = staticmethod(load)
