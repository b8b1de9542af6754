"""Vision transforms in numpy: pick the image feature, resize, random flip / pad-and-crop of whole
batches.

Examples are dicts `{'image': uint8 [height, width, channels], 'label': int32, 'id': int64,
'mask': float32}`; images stay uint8 until the jitted step scales them to [0, 1] on the device
(`seqlab/train/prefetch.py`).
"""

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np
import PIL.Image
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import records
from seqlab.data.pipeline import BatchAugment

AUGMENTATIONS = ('none', 'flip', 'flip_crop')
CROP_PADDING = 2


def is_image(feature: tfds.features.FeatureConnector) -> bool:
    """Whether `feature` holds images: an `Image`, or a uint8 `Tensor` of rank 2 or 3."""
    return isinstance(feature, tfds.features.Image) or (
        isinstance(feature, tfds.features.Tensor)
        and np.dtype(feature.np_dtype) == np.uint8
        and len(feature.shape) in (2, 3)
    )


def image_feature(
    features: Mapping[str, tfds.features.FeatureConnector], *, resized: bool = False
) -> str:
    """The key of the first image-like feature: an `Image` or a uint8 `Tensor` of rank 2 or 3
    (ConfigError for a dataset without one, such as a `tfds:` text dataset). Its height and width
    may vary only when the images are `resized` (config.data.image_size)."""
    for key, feature in features.items():
        if is_image(feature):
            if None in feature.shape[2:] or (None in feature.shape and not resized):
                raise ConfigError(
                    f'feature {key!r} has variable shape {feature.shape}; allowed: '
                    'config.data.image_size=<int> or (height, width) to resize the images'
                )
            return key
    raise ConfigError(
        f'no image feature among {sorted(features)}; allowed: a dataset with images for a vision '
        "config, or config.data.modality='text', 'audio', ... with a config of that modality"
    )


def image_size(value: Any) -> tuple[int, int] | None:
    """`config.data.image_size` as (height, width): an int n is (n, n); None (or 0) keeps the
    images' own size. A one-line ConfigError for anything else."""
    if value is None or value == 0:
        return None
    sizes = (value, value) if isinstance(value, int) else value
    is_size = (
        isinstance(sizes, (tuple, list))
        and len(sizes) == 2
        and all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in sizes)
    )
    if not is_size:
        raise ConfigError(
            f'config.data.image_size={value!r} is not allowed; allowed: an int > 0 (a square), '
            "(height, width), or None (the images' own size)"
        )
    return tuple(sizes)


def resize(image: PIL.Image.Image | np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`image` (PIL, or uint8 [height, width(, channels)]) stretched to size = (height, width)
    with PIL's antialiased bilinear filter: uint8 [height, width, channels] (grey: 1 channel)."""
    if isinstance(image, np.ndarray):
        image = PIL.Image.fromarray(
            image[..., 0] if image.ndim == 3 and image.shape[2] == 1 else image
        )
    if image.size != (size[1], size[0]):
        image = image.resize((size[1], size[0]), PIL.Image.Resampling.BILINEAR)
    pixels = np.asarray(image, dtype=np.uint8)
    return pixels if pixels.ndim == 3 else pixels[..., None]


def image_shape(
    feature: tfds.features.FeatureConnector, size: tuple[int, int] | None = None
) -> tuple[int, int, int]:
    """The [height, width, channels] of one image (grey images get one channel), resized to
    `size` = (height, width) when given."""
    shape = tuple(feature.shape)
    shape = shape if len(shape) == 3 else (*shape, 1)
    return (*size, shape[2]) if size else shape


def example(
    index: int,
    record: Mapping[str, Any],
    image_key: str,
    label_key: str = 'label',
    size: tuple[int, int] | None = None,
) -> dict:
    """Maps the TFDS record at `index` in its split to the common layout (`id`: its source id,
    `records.source_id`), the image resized to `size` = (height, width) when given."""
    image = np.asarray(record[image_key], dtype=np.uint8)
    image = image if image.ndim == 3 else image[..., None]
    if size and image.shape[:2] != size:
        image = resize(image, size)
    return {
        'image': image,
        'label': np.int32(record.get(label_key, 0)),
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
