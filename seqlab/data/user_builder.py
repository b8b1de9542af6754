"""`config.data.builder='package.module:BuilderClass'`: a user's own TFDS builder, from a module
outside seqlab (importable from the working directory or PYTHONPATH), prepared and read like the
offline builders; seqlab's own files (and so its source digest) stay unchanged.

The class is a `tfds.core.GeneratorBasedBuilder` (declare it with `skip_registration=True` so its
name cannot clash with the TFDS catalogue). Its modality is its module's `MODALITY` where defined,
else the config's (seqlab/data/modality.py). A builder that stores graphs in the layout of OGB's
molecule datasets is read as seqlab graphs (seqlab/data/ogb.py), like `tfds:ogbg_molpcba`.
"""

import importlib
import os
import sys

import ml_collections
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import builders, modality, ogb

FORM = "'package.module:BuilderClass'"


def builder_class(spec: str) -> type[tfds.core.DatasetBuilder]:
    """The class `spec` names, imported; a one-line ConfigError for anything else."""
    module_name, colon, class_name = spec.partition(':')
    where = f'config.data.builder={spec!r}'
    if not (colon and module_name and class_name):
        raise ConfigError(f'{where} is not allowed; allowed: {FORM}')
    if os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        raise ConfigError(
            f'{where}: no module {error.name!r}; allowed: a module importable from the working '
            f'directory {os.getcwd()} or PYTHONPATH'
        ) from None
    found = getattr(module, class_name, None)
    if not (isinstance(found, type) and issubclass(found, tfds.core.DatasetBuilder)):
        raise ConfigError(
            f'{where}: {module_name} has no TFDS builder class {class_name!r}; allowed: a '
            'tfds.core.GeneratorBasedBuilder subclass'
        )
    return found


def read_as(data_config: ml_collections.ConfigDict) -> str:
    """The modality the builder's dataset is read as (module docstring)."""
    module = sys.modules[builder_class(data_config.builder).__module__]
    return (
        modality.forced(data_config)
        or getattr(module, 'MODALITY', None)
        or modality.of_config(data_config)
    )


def prepared(spec: str, data_dir: str) -> tfds.core.DatasetBuilder:
    """The builder `spec` names, prepared in `data_dir` (once, under a file lock); graphs in OGB's
    layout read as seqlab graphs (seqlab/data/ogb.py)."""
    make = builder_class(spec)
    builder = builders.prepared(
        lambda: make(data_dir=data_dir, file_format=builders.FILE_FORMAT), make.name, data_dir
    )
    return ogb.view(builder) if ogb.is_layout(builder.info.features) else builder
