"""Monthly El Nino sea surface temperature (deg C, Nino 1+2 region), 1950 to 2010: 732 steps.

Source: `statsmodels.datasets.elnino`, a 61 x 12 table (year x month) read row by row into one
series (no gaps; `observed` is all True). Splits are chronological 70 / 15 / 15 and store history
(see `seqlab.data.series`): each split holds the series from January 1950 up to its own end, and
its forecast targets start at `first_target`.
"""

import numpy as np
import tensorflow_datasets as tfds

from seqlab.data import series_builder

MODALITY = 'series'
MONTHS = ('JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC')


def load() -> dict[str, np.ndarray]:
    """The whole series: values [time] float32, observed [time] bool, year [time] float32.

    `year` of month m (0-based) of year y is y + m / 12.
    """
    from statsmodels.datasets import elnino  # imported when the dataset is prepared

    frame = elnino.load_pandas().data
    values = frame[list(MONTHS)].to_numpy(np.float32).reshape(-1)
    years = frame['YEAR'].to_numpy(np.float64)[:, None] + np.arange(12) / 12
    return {
        'values': values,
        'observed': ~np.isnan(values),
        'year': years.reshape(-1).astype(np.float32),
    }


class Elnino(series_builder.SeriesBuilder, skip_registration=True):
    """Monthly El Nino sea surface temperature, split chronologically."""

    VERSION = tfds.core.Version('1.0.0')
    RELEASE_NOTES = {'1.0.0': 'statsmodels elnino as one monthly series, chronological 70/15/15.'}
    HOMEPAGE = 'https://www.statsmodels.org/stable/datasets/generated/elnino.html'
    load = staticmethod(load)
