"""Every path a user gives, made absolute once, where the launcher reads it.

A relative path means "relative to the directory the command was typed in". Orbax refuses relative
checkpoint paths, and sweep trials, TFDS and SQLite may resolve them elsewhere, so the launcher
resolves `--config`, `--workdir`, `--sweep_storage`, SEQLAB_DATA_DIR and the config's own paths
(config.data.data_dir, config.init.source, config.init.word_vectors) here,
before anything reads them; `~` is expanded too. Nothing below the launcher joins a path to the
working directory.
"""

import os

import ml_collections

from seqlab.data.tfds_io import DATA_DIR_ENV
from seqlab.train.init import HF_PREFIX

SQLITE = 'sqlite:///'


def absolute(path: str) -> str:
    """`path` with `~` expanded, relative to the working directory; '' stays '' (the default)."""
    return os.path.abspath(os.path.expanduser(path)) if path else path


def config_spec(spec: str) -> str:
    """'configs/vit.py:variant=S' -> '/abs/configs/vit.py:variant=S'."""
    path, colon, arg = spec.partition(':')
    return absolute(path) + colon + arg


def storage_url(url: str | None) -> str | None:
    """A relative SQLite file in --sweep_storage made absolute; other URLs as given."""
    if url and url.startswith(SQLITE) and not url[len(SQLITE) :].startswith('/'):
        return SQLITE + absolute(url[len(SQLITE) :])
    return url


def data_dir_env() -> None:
    """SEQLAB_DATA_DIR made absolute in this process's environment (and its children's)."""
    if os.environ.get(DATA_DIR_ENV):
        os.environ[DATA_DIR_ENV] = absolute(os.environ[DATA_DIR_ENV])


def init_source(spec: str) -> str:
    """'hf:<dir>', '<workdir>', '<workdir>@<step>' with the directory made absolute."""
    if not spec:
        return spec
    if spec.startswith(HF_PREFIX):
        return HF_PREFIX + absolute(spec[len(HF_PREFIX) :])
    workdir, at, step = spec.rpartition('@') if '@' in spec else (spec, '', '')
    return absolute(workdir) + at + step


def config_paths(config: ml_collections.ConfigDict) -> None:
    """The config's paths made absolute in place (see the module docstring)."""
    if config.get('data') and isinstance(config.data.get('data_dir'), str):
        config.data.data_dir = absolute(config.data.data_dir)
    init = config.get('init')
    if init and isinstance(init.get('source'), str):
        init.source = init_source(init.source)
    if init and isinstance(init.get('word_vectors'), str):
        init.word_vectors = absolute(init.word_vectors)
