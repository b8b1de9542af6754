"""The TFDS builder shared by the time-series datasets: a subclass names its `load()` and
homepage; splits are chronological and store history (see `seqlab.data.series.split_series`)."""

import numpy as np
import tensorflow_datasets as tfds

from seqlab.data import series


class SeriesBuilder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """One example per split: the series from its start up to the split's end."""

    HOMEPAGE = ''

    @staticmethod
    def load() -> dict[str, np.ndarray]:
        """The whole series: values [time] float32, observed [time] bool, year [time] float32."""
        raise NotImplementedError

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description=self.__doc__,
            features=tfds.features.FeaturesDict(
                {
                    key: tfds.features.Tensor(shape=shape, dtype=dtype)
                    for key, (shape, dtype) in series.STORED_COLUMNS.items()
                }
            ),
            homepage=self.HOMEPAGE,
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # statsmodels ships the data.
        return {
            name: self._generate_examples(split)
            for name, split in series.split_series(self.load()).items()
        }

    def _generate_examples(self, split: dict):
        yield split['id'], split
