"""MNIST-1D (Greydanus 2020): 5,000 generated 1-D digit signals of length 40, 10 classes.

Generated offline by the pip `mnist1d` package with its default arguments
(`make_dataset(get_dataset_args())`, seed 42, deterministic; never `get_dataset`, which downloads).
Its 4,000 training signals become train (the first 3,600) and validation (the last 400); its
1,000 test signals are the test split. A signal is stored as a float32 `audio` clip at a nominal
SAMPLE_RATE of 40 "Hz" (one second per signal), so the audio pipeline (`audio_splits`) and the
waveform models read it as they read speech.
"""

import numpy as np
import tensorflow_datasets as tfds

MODALITY = 'audio'

LENGTH = 40
SAMPLE_RATE = LENGTH
NUM_VALIDATION = 400


def load() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Split -> (signals [n, 40] float32, labels [n] int64)."""
    # imported here, when preparing: mnist1d imports matplotlib, which writes under $HOME
    from mnist1d.data import get_dataset_args, make_dataset

    generated = make_dataset(get_dataset_args())
    signals, labels = generated['x'].astype(np.float32), generated['y'].astype(np.int64)
    cut = len(signals) - NUM_VALIDATION
    return {
        'train': (signals[:cut], labels[:cut]),
        'validation': (signals[cut:], labels[cut:]),
        'test': (generated['x_test'].astype(np.float32), generated['y_test'].astype(np.int64)),
    }


class Mnist1d(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """MNIST-1D signals as float32 clips with digit labels."""

    VERSION = tfds.core.Version('1.0.0')
    RELEASE_NOTES = {'1.0.0': 'mnist1d default arguments, 3,600 / 400 / 1,000.'}

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description=__doc__,
            features=tfds.features.FeaturesDict(
                {
                    'id': tfds.features.Scalar(dtype=np.int64),
                    'audio': tfds.features.Tensor(shape=(LENGTH,), dtype=np.float32),
                    'label': tfds.features.ClassLabel(names=[str(digit) for digit in range(10)]),
                }
            ),
            supervised_keys=('audio', 'label'),
            homepage='https://github.com/greydanus/mnist1d',
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # Generated locally.
        return {name: self._generate_examples(*arrays) for name, arrays in load().items()}

    def _generate_examples(self, signals: np.ndarray, labels: np.ndarray):
        for index, (signal, label) in enumerate(zip(signals, labels, strict=True)):
            yield index, {'id': index, 'audio': signal, 'label': label}
