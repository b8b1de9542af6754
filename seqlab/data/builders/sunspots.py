"""Yearly mean sunspot numbers, 1700 to 2008: 309 steps.

Source: `statsmodels.datasets.sunspots` (no gaps; `observed` is all True). Splits are
chronological 70 / 15 / 15 and store history (see `seqlab.data.series`): each split holds the
series from 1700 up to its own end, and its forecast targets start at `first_target`.
"""

import numpy as np
import tensorflow_datasets as tfds

from seqlab.data import series_builder

MODALITY = 'series'


def load() -> dict[str, np.ndarray]:
    """The whole series: values [time] float32, observed [time] bool, year [time] float32."""
    from statsmodels.datasets import sunspots  # imported when the dataset is prepared

    frame = sunspots.load_pandas().data
    values = frame['SUNACTIVITY'].to_numpy(np.float32)
    return {
        'values': values,
        'observed': ~np.isnan(values),
        'year': frame['YEAR'].to_numpy(np.float32),
    }


class Sunspots(series_builder.SeriesBuilder, skip_registration=True):
    """Yearly sunspot activity, split chronologically."""

    VERSION = tfds.core.Version('1.0.0')
    RELEASE_NOTES = {'1.0.0': 'statsmodels sunspots, chronological 70/15/15.'}
    HOMEPAGE = 'https://www.statsmodels.org/stable/datasets/generated/sunspots.html'
    load = staticmethod(load)
