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
from seqlab.data import cache, holdout, keys, pipeline, vision
from seqlab.data.types import DatasetInfo, Splits


def check(data_config: ml_collections.ConfigDict) -> None:
    if data_config.augment not in vision.AUGMENTATIONS:
        raise ConfigError(
            f'config.data.augment={data_config.augment!r} is not allowed; allowed: '
            f'{", ".join(vision.AUGMENTATIONS)}'
        )
    cache.check(data_config.get('cache', 'auto'))
    vision.image_size(data_config.get('image_size'))


def source(builder: tfds.core.DatasetBuilder, data_config: ml_collections.ConfigDict, key: str):
    """The records of split `config.data.<key>` (a carved validation split where the dataset has
    none: seqlab/data/holdout.py)."""
    return holdout.open_split(builder, data_config[key], f'config.data.{key}')


def make_splits(
    builder: tfds.core.DatasetBuilder,
    data_config: ml_collections.ConfigDict,
    *,
    seed: int,
    process_index: int,
    process_count: int,
) -> Splits:
    features = builder.info.features
    size = vision.image_size(data_config.get('image_size'))
    image_key = vision.image_feature(features, resized=size is not None)
    label_key = keys.get(data_config)['label']
    label = features[label_key] if label_key in features else None
    is_classification = isinstance(label, tfds.features.ClassLabel)
    train_source = source(builder, data_config, 'train_split')
    eval_source = source(builder, data_config, 'eval_split')
    prepare = functools.partial(vision.example, image_key=image_key, label_key=label_key, size=size)
    common = {
        'process_index': process_index,
        'process_count': process_count,
        'cache_choice': data_config.get('cache', 'auto'),
    }
    train = pipeline.train_batches(
        train_source,
        prepare=prepare,
        augment=vision.augmenter(data_config.augment),
        finalize=dict,  # images stay uint8: the jitted steps scale them on the device
        seed=seed,
        global_batch=data_config.batch_size,
        **common,
    )
    eval_ = pipeline.eval_batches(
        eval_source,
        prepare=prepare,
        finalize=dict,  # images stay uint8: the jitted steps scale them on the device
        global_batch=data_config.eval_batch_size,
        **common,
    )
    info = DatasetInfo(
        name=data_config.name,
        modality='vision',
        num_train=len(train_source),
        num_eval=len(eval_source),
        num_classes=label.num_classes if is_classification else 0,
        input_shape=vision.image_shape(features[image_key], size),
        extras={'class_names': tuple(label.names)} if is_classification else {},
    )
    return Splits(train=train, eval=eval_, info=info)
