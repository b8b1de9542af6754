"""Vision datasets as `Splits`: images scaled to [0, 1], optional flip / pad-crop augmentation;
`config.data.cache` (default 'auto') holds splits that fit in memory (seqlab/data/cache.py).

config.data keys (besides the common ones; `seqlab.config_defaults.vision_data` has them all):
  augment     'none', 'flip' or 'flip_crop'
  image_size  None (the images' own size), an int (a square) or (height, width): images are
              stretched to it (a file source when it is prepared, other datasets as they are read)
  keys        `keys.label` names the label feature (seqlab/data/keys.py)
"""

import functools

import ml_collections
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import cache, keys, vision
from seqlab.data.recipe import Recipe
from seqlab.data.tfds_io import source


def check(data_config: ml_collections.ConfigDict) -> None:
    if data_config.augment not in vision.AUGMENTATIONS:
        raise ConfigError(
            f'config.data.augment={data_config.augment!r} is not allowed; allowed: '
            f'{", ".join(vision.AUGMENTATIONS)}'
        )
    cache.check(data_config.get('cache', 'auto'))
    vision.image_size(data_config.get('image_size'))


def recipe(
    builder: tfds.core.DatasetBuilder, data_config: ml_collections.ConfigDict, *, seed: int
) -> Recipe:
    """How the vision dataset `builder` is read (module docstring)."""
    del seed  # augmentation is seeded by the pipeline
    features = builder.info.features
    size = vision.image_size(data_config.get('image_size'))
    image_key = vision.image_feature(features, resized=size is not None)
    label_key = keys.get(data_config)['label']
    label = features[label_key] if label_key in features else None
    is_classification = isinstance(label, tfds.features.ClassLabel)
    return Recipe(
        modality='vision',
        train=source(builder, data_config, 'train_split'),
        eval=source(builder, data_config, 'eval_split'),
        prepare=functools.partial(
            vision.example, image_key=image_key, label_key=label_key, size=size
        ),
        augment=vision.augmenter(data_config.augment),
        cache_choice=data_config.get('cache', 'auto'),  # images stay uint8 until the jitted step
        num_classes=label.num_classes if is_classification else 0,
        input_shape=vision.image_shape(features[image_key], size),
        extras={'class_names': tuple(label.names)} if is_classification else {},
    )
