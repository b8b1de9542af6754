"""Vision transforms in numpy: pick the image feature, random flip / pad-and-crop of whole
batches, scale to [0, 1].

Examples are dicts `{'image': uint8 [height, width, channels], 'label': int32, 'id': int64,
'mask': float32}` until `to_float` turns a batch's images into float32 in [0, 1].
"""

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import records
from seqlab.data.pipeline import BatchAugment

AUGMENTATIONS = ('none', 'flip', 'flip_crop')
CROP_PADDING = 2


def image_feature(features: Mapping[str, tfds.features.FeatureConnector]) -> str:
    """The key of the first image-like feature: an `Image` or a uint8 `Tensor` of rank 2 or 3
    (ConfigError for a dataset without one, such as a `tfds:` text dataset)."""
    for key, feature in features.items():
        is_image = isinstance(feature, tfds.features.Image) or (
            isinstance(feature, tfds.features.Tensor)
            and np.dtype(feature.np_dtype) == np.uint8
            and len(feature.shape) in (2, 3)
        )
        if is_image:
            if None in feature.shape:
                raise ConfigError(
                    f'feature {key!r} has variable shape {feature.shape}; only fixed-size images '
                    'are supported'
                )
            return key
    raise ConfigError(f'no image feature among {sorted(features)}')


def image_shape(feature: tfds.features.FeatureConnector) -> tuple[int, int, int]:
    """The [height, width, channels] of one image (grey images get one channel)."""
    shape = tuple(feature.shape)
    return shape if len(shape) == 3 else (*shape, 1)


def example(index: int, record: Mapping[str, Any], image_key: str) -> dict:
    """Maps the TFDS record at `index` in its split to the common layout (`id`: its source id,
    `records.source_id`)."""
    image = np.asarray(record[image_key], dtype=np.uint8)
    return {
        'image': image if image.ndim == 3 else image[..., None],
        'label': np.int32(record.get('label', 0)),
        'id': records.source_id(index, record),
        'mask': np.float32(1.0),
    }


def draw(rng: np.random.Generator, count: int, *, crop: bool) -> dict[str, np.ndarray]:
    """Per-image parameters: `flip` [count] bool (probability 1/2) and, with `crop`, `shift`
    [count, 2] (top, left) uniform in [0, 2 * CROP_PADDING]."""
    parameters = {'flip': rng.random(count) < 0.5}
    if crop:
        parameters['shift'] = rng.integers(0, 2 * CROP_PADDING + 1, size=(count, 2))
    return parameters


def flip(images: np.ndarray, flips: np.ndarray) -> np.ndarray:
    """Mirrors `images: [batch, height, width, channels]` left-right where `flips: [batch]`."""
    return np.where(flips[:, None, None, None], images[:, :, ::-1], images)


def pad_crop(images: np.ndarray, shifts: np.ndarray, padding: int = CROP_PADDING) -> np.ndarray:
    """Zero-pads `images: [batch, height, width, channels]` by `padding` and crops each at its
    `shifts: [batch, 2]` (top, left) to the original size (a shift of up to `padding` pixels)."""
    count, height, width, channels = images.shape
    padded = np.zeros((count, height + 2 * padding, width + 2 * padding, channels), images.dtype)
    padded[:, padding : padding + height, padding : padding + width] = images
    rows = shifts[:, :1] + np.arange(height)  # [batch, height]
    columns = shifts[:, 1:] + np.arange(width)  # [batch, width]
    return padded[np.arange(count)[:, None, None], rows[:, :, None], columns[:, None, :]]


def augment(batch: dict, parameters: dict[str, np.ndarray]) -> dict:
    """Flips, then (where `parameters` has shifts) pad-crops, the batch's images."""
    images = flip(batch['image'], parameters['flip'])
    if 'shift' in parameters:
        images = pad_crop(images, parameters['shift'])
    return {**batch, 'image': images}


def augmenter(name: str) -> BatchAugment | None:
    """The random batch transform called `name` (None for 'none')."""
    if name not in AUGMENTATIONS:
        raise ValueError(f'augment={name!r} is not allowed; allowed: {", ".join(AUGMENTATIONS)}')
    if name == 'none':
        return None
    return BatchAugment(functools.partial(draw, crop=name == 'flip_crop'), augment)


def to_float(batch: dict) -> dict:
    """Scales `image: [batch, height, width, channels]` uint8 to float32 in [0, 1]."""
    return {**batch, 'image': batch['image'].astype(np.float32) / np.float32(255)}
