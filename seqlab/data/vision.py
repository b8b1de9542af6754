"""Vision transforms in numpy: pick the image feature, random flip / pad-and-crop, scale to [0, 1].

Examples are dicts `{'image': uint8 [height, width, channels], 'label': int32, 'id': int64,
'mask': float32}` until `to_float` turns a batch's images into float32 in [0, 1].
"""

from collections.abc import Mapping
from typing import Any

import numpy as np
import tensorflow_datasets as tfds

from seqlab.data.pipeline import Augment

AUGMENTATIONS = ('none', 'flip', 'flip_crop')
CROP_PADDING = 2


def image_feature(features: Mapping[str, tfds.features.FeatureConnector]) -> str:
    """The key of the first image-like feature: an `Image` or a uint8 `Tensor` of rank 2 or 3."""
    for key, feature in features.items():
        is_image = isinstance(feature, tfds.features.Image) or (
            isinstance(feature, tfds.features.Tensor)
            and np.dtype(feature.np_dtype) == np.uint8
            and len(feature.shape) in (2, 3)
        )
        if is_image:
            if None in feature.shape:
                raise ValueError(
                    f'feature {key!r} has variable shape {feature.shape}; only fixed-size images '
                    'are supported'
                )
            return key
    raise ValueError(f'no image feature among {sorted(features)}')


def image_shape(feature: tfds.features.FeatureConnector) -> tuple[int, int, int]:
    """The [height, width, channels] of one image (grey images get one channel)."""
    shape = tuple(feature.shape)
    return shape if len(shape) == 3 else (*shape, 1)


def example(index: int, record: Mapping[str, Any], image_key: str) -> dict:
    """Maps the TFDS record at `index` in its split to the common layout (`id` is `index`)."""
    image = np.asarray(record[image_key], dtype=np.uint8)
    return {
        'image': image if image.ndim == 3 else image[..., None],
        'label': np.int32(record.get('label', 0)),
        'id': np.int64(index),
        'mask': np.float32(1.0),
    }


def flip(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mirrors `image: [height, width, channels]` left-right with probability 1/2."""
    return image[:, ::-1] if rng.random() < 0.5 else image


def pad_crop(
    image: np.ndarray, rng: np.random.Generator, padding: int = CROP_PADDING
) -> np.ndarray:
    """Zero-pads `image: [height, width, channels]` by `padding` and crops a random window of the
    original size (a shift of up to `padding` pixels each way)."""
    height, width, channels = image.shape
    padded = np.zeros((height + 2 * padding, width + 2 * padding, channels), image.dtype)
    padded[padding : padding + height, padding : padding + width] = image  # np.pad is 20x slower.
    top, left = rng.integers(0, 2 * padding + 1, size=2)
    return padded[top : top + height, left : left + width]


def flip_example(element: dict, rng: np.random.Generator) -> dict:
    return {**element, 'image': flip(element['image'], rng)}


def flip_crop_example(element: dict, rng: np.random.Generator) -> dict:
    return {**element, 'image': pad_crop(flip(element['image'], rng), rng)}


def augmenter(name: str) -> Augment | None:
    """The random per-example transform called `name` (None for 'none')."""
    if name not in AUGMENTATIONS:
        raise ValueError(f'augment={name!r} is not allowed; allowed: {", ".join(AUGMENTATIONS)}')
    return {'none': None, 'flip': flip_example, 'flip_crop': flip_crop_example}[name]


def to_float(batch: dict) -> dict:
    """Scales `image: [batch, height, width, channels]` uint8 to float32 in [0, 1]."""
    return {**batch, 'image': batch['image'].astype(np.float32) / np.float32(255)}
