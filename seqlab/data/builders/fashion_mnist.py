"""Fashion-MNIST from Debian's `dataset-fashion-mnist`: 60,000 train / 10,000 test, 28x28 grey.

The source files are gzip IDX files (images: 16-byte header, labels: 8-byte header). Their
sha256 is pinned here because Debian's .gz bytes differ from upstream's.
"""

import gzip
import hashlib
import pathlib

import numpy as np
import tensorflow_datasets as tfds

from seqlab.config import ConfigError

MODALITY = 'vision'

SOURCE_DIR = pathlib.Path('/usr/share/datasets/fashion-mnist')
CLASS_NAMES = (
    'T-shirt/top',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Ankle boot',
)
SHA256 = {
    'train-images-idx3-ubyte.gz': (
        'b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7'
    ),
    'train-labels-idx1-ubyte.gz': (
        '0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056'
    ),
    't10k-images-idx3-ubyte.gz': 'cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa',
    't10k-labels-idx1-ubyte.gz': '8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05',
}
IMAGE_HEADER_BYTES = 16
LABEL_HEADER_BYTES = 8
IMAGE_SIDE = 28


def read_verified(path: pathlib.Path) -> bytes:
    """Returns the gunzipped bytes of one source file after checking its pinned sha256."""
    if not path.exists():
        raise ConfigError(
            f'{path} is missing; install it with: apt-get install dataset-fashion-mnist'
        )
    packed = path.read_bytes()
    actual = hashlib.sha256(packed).hexdigest()
    if actual != SHA256[path.name]:
        raise ConfigError(
            f'{path} has sha256 {actual}, expected {SHA256[path.name]} '
            '(Debian dataset-fashion-mnist)'
        )
    return gzip.decompress(packed)


def read_images(path: pathlib.Path) -> np.ndarray:
    """Reads an IDX image file. Returns images: [count, 28, 28, 1] uint8."""
    raw = read_verified(path)
    pixels = np.frombuffer(raw, dtype=np.uint8, offset=IMAGE_HEADER_BYTES)
    return pixels.reshape(-1, IMAGE_SIDE, IMAGE_SIDE, 1)


def read_labels(path: pathlib.Path) -> np.ndarray:
    """Reads an IDX label file. Returns labels: [count] uint8 in 0..9."""
    return np.frombuffer(read_verified(path), dtype=np.uint8, offset=LABEL_HEADER_BYTES)


class FashionMnist(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """Fashion-MNIST read from the local Debian package (no download)."""

    VERSION = tfds.core.Version('1.0.0')
    RELEASE_NOTES = {'1.0.0': 'Debian dataset-fashion-mnist, with an `id` per example.'}

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description='Zalando Fashion-MNIST: 70,000 28x28 grey images of 10 clothing classes.',
            features=tfds.features.FeaturesDict(
                {
                    'id': tfds.features.Scalar(dtype=np.int64),
                    'image': tfds.features.Tensor(
                        shape=(IMAGE_SIDE, IMAGE_SIDE, 1), dtype=np.uint8
                    ),
                    'label': tfds.features.ClassLabel(names=CLASS_NAMES),
                }
            ),
            supervised_keys=('image', 'label'),
            homepage='https://github.com/zalandoresearch/fashion-mnist',
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # The files are local.
        return {'train': self._generate_examples('train'), 'test': self._generate_examples('t10k')}

    def _generate_examples(self, prefix: str):
        images = read_images(SOURCE_DIR / f'{prefix}-images-idx3-ubyte.gz')
        labels = read_labels(SOURCE_DIR / f'{prefix}-labels-idx1-ubyte.gz')
        if len(images) != len(labels):
            raise ValueError(f'{prefix}: {len(images)} images but {len(labels)} labels')
        for index, (image, label) in enumerate(zip(images, labels, strict=True)):
            yield index, {'id': index, 'image': image, 'label': int(label)}
