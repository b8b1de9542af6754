"""Datasets by name: `get(config.data, seed=...)` returns `Splits(train, eval, info)`.

A name is an offline builder in `seqlab/data/builders` (see `names()`) or `tfds:<catalogue
name>`. Batches are dicts of numpy arrays with fixed shapes; for vision:
`image` float32 [batch, height, width, channels] in [0, 1], `label` int32 [batch],
`mask` float32 [batch] (0 for padding), `id` int64 [batch] (the example's position in its TFDS
split, -1 for padding).
"""

import dataclasses
import functools
import os
from collections.abc import Callable

import grain
import ml_collections
import tensorflow_datasets as tfds

from seqlab.data import builders, pipeline, vision

TFDS_PREFIX = 'tfds:'
DEFAULT_DATA_DIR = '~/.cache/seqlab/tfds'
DATA_DIR_ENV = 'SEQLAB_DATA_DIR'


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What a model and task need to know about a dataset."""

    name: str  # e.g. 'fashion_mnist' or 'tfds:mnist'
    modality: str  # 'vision', 'text', 'audio', 'graph' or 'series'
    num_train: int  # examples in the train split (before per-process sharding)
    num_eval: int  # examples in the eval split
    num_classes: int  # 0 if not a classification dataset
    input_shape: tuple  # shape of one model input, e.g. (28, 28, 1)
    extras: dict  # modality extras (class_names, vocab, sample_rate, ...)


@dataclasses.dataclass(frozen=True)
class Splits:
    """`train`: endless, reshuffled each epoch, full batches. `eval`: one ordered pass, the last
    batch padded (`mask` 0). Both give checkpointable iterators (`get_state` / `set_state`)."""

    train: grain.MapDataset
    eval: grain.MapDataset
    info: DatasetInfo


def names() -> list[str]:
    """The offline dataset names (modules in `seqlab/data/builders`)."""
    return builders.names()


def _allowed_names() -> str:
    return f'{", ".join(names())}, or {TFDS_PREFIX}<catalogue name>'


def _check_name(name: object) -> None:
    if not isinstance(name, str) or not (name in names() or name.startswith(TFDS_PREFIX)):
        raise ValueError(f'config.data.name={name!r} is not a dataset; allowed: {_allowed_names()}')
    if name.startswith(TFDS_PREFIX):
        catalogue_name = name.removeprefix(TFDS_PREFIX).split(':')[0].split('/')[0]
        if catalogue_name not in tfds.list_builders(with_community_datasets=False):
            raise ValueError(
                f'config.data.name={name!r}: {catalogue_name!r} is not in the TFDS catalogue'
            )


def check(data_config: ml_collections.ConfigDict) -> None:
    """Validates `config.data` without reading data; raises a one-line ValueError."""
    _check_name(data_config.name)
    for key in ('batch_size', 'eval_batch_size'):
        value = data_config[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f'config.data.{key}={value!r} is not allowed; allowed: an int >= 1')
    for key in ('train_split', 'eval_split'):
        value = data_config[key]
        if not isinstance(value, str) or not value:
            raise ValueError(
                f'config.data.{key}={value!r} is not allowed; allowed: a split name such as '
                "'train' or 'test'"
            )
    if not isinstance(data_config.data_dir, str):
        raise ValueError(
            f'config.data.data_dir={data_config.data_dir!r} is not allowed; allowed: a path '
            "string ('' for the default)"
        )
    if data_config.augment not in vision.AUGMENTATIONS:
        raise ValueError(
            f'config.data.augment={data_config.augment!r} is not allowed; allowed: '
            f'{", ".join(vision.AUGMENTATIONS)}'
        )


def data_dir(data_config: ml_collections.ConfigDict) -> str:
    """`config.data.data_dir`, or else env SEQLAB_DATA_DIR, or else ~/.cache/seqlab/tfds."""
    chosen = data_config.data_dir or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR
    return os.path.expanduser(chosen)


def _source(builder: tfds.core.DatasetBuilder, data_config: ml_collections.ConfigDict, key: str):
    split = data_config[key]
    try:
        return builder.as_data_source(split=split)
    except ValueError as error:  # TFDS names the allowed splits.
        raise ValueError(f'config.data.{key}={split!r}: {error}') from None


def _vision_splits(
    builder: tfds.core.DatasetBuilder,
    data_config: ml_collections.ConfigDict,
    *,
    seed: int,
    process_index: int,
    process_count: int,
) -> Splits:
    features = builder.info.features
    image_key = vision.image_feature(features)
    label = features['label'] if 'label' in features else None
    is_classification = isinstance(label, tfds.features.ClassLabel)
    train_source = _source(builder, data_config, 'train_split')
    eval_source = _source(builder, data_config, 'eval_split')
    prepare = functools.partial(vision.example, image_key=image_key)
    hosts = {'process_index': process_index, 'process_count': process_count}
    train = pipeline.train_batches(
        train_source,
        prepare=prepare,
        augment=vision.augmenter(data_config.augment),
        finalize=vision.to_float,
        seed=seed,
        global_batch=data_config.batch_size,
        **hosts,
    )
    eval_ = pipeline.eval_batches(
        eval_source,
        prepare=prepare,
        finalize=vision.to_float,
        global_batch=data_config.eval_batch_size,
        **hosts,
    )
    info = DatasetInfo(
        name=data_config.name,
        modality='vision',
        num_train=len(train_source),
        num_eval=len(eval_source),
        num_classes=label.num_classes if is_classification else 0,
        input_shape=vision.image_shape(features[image_key]),
        extras={'class_names': tuple(label.names)} if is_classification else {},
    )
    return Splits(train=train, eval=eval_, info=info)


SPLITS_BY_MODALITY: dict[str, Callable[..., Splits]] = {'vision': _vision_splits}


def get(
    data_config: ml_collections.ConfigDict,
    *,
    seed: int,
    process_index: int = 0,
    process_count: int = 1,
) -> Splits:
    """Prepares (once, under a file lock) and opens the dataset `config.data.name`.

    Batch sizes in `data_config` are global; each process gets `batch_size // process_count`
    examples a step, and the processes' batches concatenated in process order are the
    single-process batch.
    """
    check(data_config)
    for key in ('batch_size', 'eval_batch_size'):
        if data_config[key] % process_count:
            raise ValueError(
                f'config.data.{key}={data_config[key]} is not divisible by '
                f'process_count={process_count}'
            )
    name, root = data_config.name, data_dir(data_config)
    if name.startswith(TFDS_PREFIX):
        modality = 'vision'
        builder = builders.catalogue(name.removeprefix(TFDS_PREFIX), root)
    else:
        modality = builders.module(name).MODALITY
        if modality not in SPLITS_BY_MODALITY:
            raise NotImplementedError(
                f'config.data.name={name!r} has modality {modality!r}; data.get supports only '
                f'(so far): {", ".join(SPLITS_BY_MODALITY)}'
            )
        builder = builders.offline(name, root)
    return SPLITS_BY_MODALITY[modality](
        builder,
        data_config,
        seed=seed,
        process_index=process_index,
        process_count=process_count,
    )
