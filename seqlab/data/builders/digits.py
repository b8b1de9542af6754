"""scikit-learn's 1,797 handwritten 8x8 digits, split about 80/20 by a hash of the index.

Pixel values 0..16 are scaled to uint8 0..255. The stored `id` is the example's index in
`load_digits()`; `split_indices()` gives each split's indices.
"""

import hashlib

import numpy as np
import tensorflow_datasets as tfds

MODALITY = 'vision'

IMAGE_SIDE = 8
MAX_PIXEL = 16
TEST_BUCKETS = 20  # Of 100 hash buckets: about 20% of the examples are test examples.


def is_test(index: int) -> bool:
    """Whether source example `index` belongs to the test split (a fixed hash of the index)."""
    digest = hashlib.sha256(f'digits/{index}'.encode()).digest()
    return int.from_bytes(digest[:8], 'little') % 100 < TEST_BUCKETS


def split_indices(count: int) -> dict[str, np.ndarray]:
    """The source indices of each split, in increasing order: {'train': [n], 'test': [m]}."""
    test = np.array([is_test(index) for index in range(count)])
    return {'train': np.flatnonzero(~test), 'test': np.flatnonzero(test)}


def load_images() -> tuple[np.ndarray, np.ndarray]:
    """Returns images: [1797, 8, 8, 1] uint8 in 0..255 and labels: [1797] in 0..9."""
    import sklearn.datasets  # imported when the dataset is prepared

    digits = sklearn.datasets.load_digits()
    scaled = np.rint(digits.images * (255 / MAX_PIXEL)).astype(np.uint8)
    return scaled[..., None], digits.target


class Digits(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """scikit-learn digits as a TFDS dataset (no download)."""

    VERSION = tfds.core.Version('1.0.0')
    RELEASE_NOTES = {'1.0.0': 'sklearn load_digits, hashed 80/20 split, with an `id`.'}

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description='UCI optical handwritten digits (8x8, 10 classes) from scikit-learn.',
            features=tfds.features.FeaturesDict(
                {
                    'id': tfds.features.Scalar(dtype=np.int64),
                    'image': tfds.features.Tensor(
                        shape=(IMAGE_SIDE, IMAGE_SIDE, 1), dtype=np.uint8
                    ),
                    'label': tfds.features.ClassLabel(names=[str(digit) for digit in range(10)]),
                }
            ),
            supervised_keys=('image', 'label'),
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # Nothing to download.
        images, labels = load_images()
        return {
            split: self._generate_examples(images, labels, indices)
            for split, indices in split_indices(len(images)).items()
        }

    def _generate_examples(self, images: np.ndarray, labels: np.ndarray, indices: np.ndarray):
        for index in indices:
            yield int(index), {'id': index, 'image': images[index], 'label': int(labels[index])}
