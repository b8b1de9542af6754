"""Offline TFDS builders, one module per dataset, and the one way datasets are prepared.

A builder module `seqlab/data/builders/<name>.py` defines a `tfds.core.GeneratorBasedBuilder`
subclass whose tfds `name` is `<name>`, declared with `skip_registration=True` so it never
clashes with the TFDS catalogue (which has its own `fashion_mnist`), and a constant `MODALITY`
('vision', 'text', 'audio', 'graph' or 'series'). Adding a module is all it takes: `names()`
lists the modules.
"""

import importlib
import pathlib
import pkgutil
import types

import filelock
import tensorflow_datasets as tfds

FILE_FORMAT = 'array_record'


def names() -> list[str]:
    """The offline dataset names: the builder modules in this package."""
    return sorted(module.name for module in pkgutil.iter_modules(__path__) if not module.ispkg)


def module(name: str) -> types.ModuleType:
    """Imports the builder module `name` (one of `names()`)."""
    return importlib.import_module(f'{__name__}.{name}')


def builder_class(name: str) -> type[tfds.core.DatasetBuilder]:
    """The builder class that module `name` defines for dataset `name`."""
    classes = [
        value
        for value in vars(module(name)).values()
        if isinstance(value, type)
        and issubclass(value, tfds.core.DatasetBuilder)
        and value.name == name
    ]
    if len(classes) != 1:
        raise ValueError(f'module {name!r} defines {len(classes)} builders named {name!r}, not 1')
    return classes[0]


def prepared(builder: tfds.core.DatasetBuilder) -> tfds.core.DatasetBuilder:
    """Runs `download_and_prepare` under a file lock in the data dir, so concurrent processes
    build a dataset once; a prepared dataset is only checked, not rebuilt."""
    data_dir = pathlib.Path(builder.data_dir_root)
    data_dir.mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(data_dir / f'{builder.name}.lock'):
        builder.download_and_prepare(file_format=FILE_FORMAT)
    return builder


def offline(name: str, data_dir: str) -> tfds.core.DatasetBuilder:
    """The prepared offline builder `name` in `data_dir`."""
    return prepared(builder_class(name)(data_dir=data_dir, file_format=FILE_FORMAT))


def catalogue(name: str, data_dir: str) -> tfds.core.DatasetBuilder:
    """The prepared TFDS catalogue builder `name` in `data_dir`, downloaded if missing."""
    return prepared(tfds.builder(name, data_dir=data_dir, file_format=FILE_FORMAT))
