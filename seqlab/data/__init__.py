"""Datasets by name: `get(config.data, seed=...)` returns `Splits(train, eval, info)`.

A name is an offline builder in `seqlab/data/builders` (see `names()`), optionally with a builder
config (`spoken_keywords/tiny`), `tfds:<catalogue name>`, or the user's own files
(`imagefolder:<dir>`, `audiofolder:<dir>`, `csv:<file>`, `jsonl:<file>`: seqlab/data/files);
`config.data.builder='package.module:BuilderClass'` (a user's own TFDS builder) replaces the name.
Batches are dicts of numpy arrays with fixed shapes; for vision:
`image` float32 [batch, height, width, channels] in [0, 1], `label` int32 [batch],
`mask` float32 [batch] (0 for padding), `id` int64 [batch] (the example's position in its TFDS
split, -1 for padding).

Bad input raises `seqlab.config.ConfigError` (a name, a value of `config.data`, a missing dataset
program or file, a data directory that cannot hold the dataset); a record that a per-record check
refuses raises `BadRecordError`. Any other exception is a bug and keeps its traceback.
"""

import dataclasses
import importlib
from types import ModuleType

import ml_collections
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import builders, checks, files, holdout, modality, user_builder
from seqlab.data.recipe import assemble
from seqlab.data.tfds_io import data_dir
from seqlab.data.types import BadRecordError, DatasetInfo, Splits

__all__ = ['BadRecordError', 'DatasetInfo', 'Splits', 'check', 'data_dir', 'get', 'names']

TFDS_PREFIX = 'tfds:'
# modality -> the module that reads its datasets, imported when a config reads that modality:
# `check(data_config)` (one-line ConfigErrors before any data is read) and
# `recipe(builder, data_config, *, seed) -> recipe.Recipe`, which `recipe.assemble` turns into
# the Splits.
SPLITS_MODULES: dict[str, str] = {
    'vision': 'seqlab.data.vision_splits',
    'text': 'seqlab.data.text_splits',
    'audio': 'seqlab.data.audio_splits',
    'graph': 'seqlab.data.graph_splits',
    'series': 'seqlab.data.series_splits',
}


def names() -> list[str]:
    """The offline dataset names (modules in `seqlab/data/builders`)."""
    return builders.names()


def _allowed_names() -> str:
    return f'{", ".join(names())}, {files.FORMS}, or {TFDS_PREFIX}<catalogue name>'


def _check_name(name: object) -> None:
    if not isinstance(name, str) or not (
        builders.split_name(name)[0] in names()
        or name.startswith(TFDS_PREFIX)
        or files.kind_of(name)
    ):
        raise ConfigError(
            f'config.data.name={name!r} is not a dataset; allowed: {_allowed_names()}'
        )
    if files.kind_of(name):
        return
    if not name.startswith(TFDS_PREFIX):
        builders.check_config_name(name)
    if name.startswith(TFDS_PREFIX):
        catalogue_name = name.removeprefix(TFDS_PREFIX).split(':')[0].split('/')[0]
        if catalogue_name not in tfds.list_builders(with_community_datasets=False):
            raise ConfigError(
                f'config.data.name={name!r}: {catalogue_name!r} is not in the TFDS catalogue'
            )


def check(data_config: ml_collections.ConfigDict) -> None:
    """Validates `config.data` without reading data; raises a one-line ConfigError."""
    if not isinstance(data_config.get('builder', ''), str):
        raise ConfigError(
            f'config.data.builder={data_config.builder!r} is not allowed; allowed: '
            f"{user_builder.FORM} or '' (config.data.name names the dataset)"
        )
    if data_config.get('builder'):
        user_builder.builder_class(data_config.builder)
    else:
        _check_name(data_config.name)
    for key in ('batch_size', 'eval_batch_size'):
        checks.int_at_least(data_config, key)
    for key in ('train_split', 'eval_split'):
        value = data_config[key]
        if not isinstance(value, str) or not value:
            raise ConfigError(
                f'config.data.{key}={value!r} is not allowed; allowed: a split name such as '
                "'train' or 'test'"
            )
    test_split = data_config.get('test_split', '')
    if not isinstance(test_split, str):
        raise ConfigError(
            f'config.data.test_split={test_split!r} is not allowed; allowed: a split name such '
            "as 'test', or '' (no test evaluation)"
        )
    if not isinstance(data_config.data_dir, str):
        raise ConfigError(
            f'config.data.data_dir={data_config.data_dir!r} is not allowed; allowed: a path '
            "string ('' for the default)"
        )
    modality.forced(data_config)
    if files.kind_of(data_config.name):
        files.check(data_config)
    splits_module(data_config).check(data_config)


def modality_of(data_config: ml_collections.ConfigDict) -> str:
    """The modality `config.data.name` is read as: a user builder's or a file source's, the
    config's for catalogue datasets (seqlab/data/modality.py), else the builder module's
    MODALITY."""
    name = data_config.name
    if data_config.get('builder'):
        return user_builder.read_as(data_config)
    if name.startswith(TFDS_PREFIX):
        return modality.of_config(data_config)
    if files.kind_of(name):
        return files.read_as(data_config)
    return builders.module(builders.split_name(name)[0]).MODALITY


def splits_module(data_config: ml_collections.ConfigDict) -> ModuleType:
    """The module of `SPLITS_MODULES` that reads `config.data.name` (by `modality_of`)."""
    name = modality_of(data_config)
    if name not in SPLITS_MODULES:
        raise NotImplementedError(f'datasets of modality {name!r} are not wired into data.get yet')
    return importlib.import_module(SPLITS_MODULES[name])


def _builder(data_config: ml_collections.ConfigDict) -> tfds.core.DatasetBuilder:
    """The prepared builder of `config.data.name` (prepared now if it is not yet)."""
    name, root = data_config.name, data_dir(data_config)
    if data_config.get('builder'):
        return user_builder.prepared(data_config.builder, root)
    if name.startswith(TFDS_PREFIX):
        from seqlab.data import catalogue  # only catalogue datasets need it (graphs: scipy)

        return catalogue.prepared(data_config, root)
    if files.kind_of(name):
        return files.prepared(data_config, root)
    return builders.offline(name, root)


def split_names(data_config: ml_collections.ConfigDict) -> list[str]:
    """The splits `config.data.*_split` may name: the dataset's own, and a validation split
    carved from train where it has none (seqlab/data/holdout.py)."""
    return holdout.split_names(_builder(data_config))


def get(
    data_config: ml_collections.ConfigDict,
    *,
    seed: int,
    process_index: int = 0,
    process_count: int = 1,
) -> Splits:
    """Prepares (once, under a file lock) and opens the dataset `config.data.name`.

    A file source's `sources.tsv` (id, split, source) is a dataset asset, so every run keeps a
    copy in <workdir>/assets/ that joins its predictions' ids back to the files.

    Batch sizes in `data_config` are global; each process gets `batch_size // process_count`
    examples a step, and the processes' batches concatenated in process order are the
    single-process batch.
    """
    check(data_config)
    if data_config.get('builder'):  # the dataset is named by its builder
        data_config = data_config.copy_and_resolve_references()
        data_config.name = f'builder:{data_config.builder}'
    for key in ('batch_size', 'eval_batch_size'):
        if data_config[key] % process_count:
            raise ConfigError(
                f'config.data.{key}={data_config[key]} is not divisible by '
                f'process_count={process_count}'
            )
    builder = _builder(data_config)
    splits = assemble(
        splits_module(data_config).recipe(builder, data_config, seed=seed),
        data_config,
        seed=seed,
        process_index=process_index,
        process_count=process_count,
    )
    if not files.kind_of(data_config.name):
        return splits
    assets = {**splits.info.assets, files.SOURCES_ASSET: files.sources_file(builder)}
    return dataclasses.replace(splits, info=dataclasses.replace(splits.info, assets=assets))
