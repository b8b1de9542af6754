"""Yearly mean sunspot numbers, 1700 to 2008: 309 steps.

Source: `statsmodels.datasets.sunspots` (no gaps; `observed` is all True). Splits are
chronological 70 / 15 / 15 and store history (see `seqlab.data.series`): each split holds the
series from 1700 up to its own end, and its forecast targets start at `first_target`.
"""

import numpy as np
import tensorflow_datasets as tfds
from statsmodels.datasets import sunspots

from seqlab.data import series

MODALITY = 'series'


def load() -> dict[str, np.ndarray]:
    """The whole series: values [time] float32, observed [time] bool, year [time] float32."""
    frame = sunspots.load_pandas().data
    values = frame['SUNACTIVITY'].to_numpy(np.float32)
    return {
        'values': values,
        'observed': ~np.isnan(values),
        'year': frame['YEAR'].to_numpy(np.float32),
    }


class Sunspots(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """Yearly sunspot activity, split chronologically."""

    VERSION = tfds.core.Version('1.0.0')
    RELEASE_NOTES = {'1.0.0': 'statsmodels sunspots, chronological 70/15/15.'}

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description=__doc__,
            features=tfds.features.FeaturesDict(
                {
                    key: tfds.features.Tensor(shape=shape, dtype=dtype)
                    for key, (shape, dtype) in series.STORED_COLUMNS.items()
                }
            ),
            homepage='https://www.statsmodels.org/stable/datasets/generated/sunspots.html',
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # statsmodels ships the data.
        return {
            name: self._generate_examples(split)
            for name, split in series.split_series(load()).items()
        }

    def _generate_examples(self, split: dict):
        yield split['id'], split
