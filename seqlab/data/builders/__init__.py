"""Offline TFDS builders, one module per dataset, and the one way datasets are prepared.

A builder module `seqlab/data/builders/<name>.py` defines a `tfds.core.GeneratorBasedBuilder`
subclass whose tfds `name` is `<name>`, declared with `skip_registration=True` so it never
clashes with the TFDS catalogue (which has its own `fashion_mnist`), and a constant `MODALITY`
('vision', 'text', 'audio', 'graph' or 'series'). Adding a module is all it takes: `names()`
lists the modules. `SubsetConfig`, `hashed_split` and `numbered_splits` are what the text
builders share.

`prepared` writes only what it prepares: a prepared dataset is opened without a lock or a write (a
read-only data directory serves), and a data directory that cannot hold the dataset (not
writable, full) is a one-line ConfigError naming it, with nothing half-prepared left behind.
"""

import dataclasses
import errno
import hashlib
import importlib
import os
import pathlib
import pkgutil
import re
import types
from collections.abc import Callable, Iterable
from typing import TypeVar

import filelock
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import tfds_io

FILE_FORMAT = 'array_record'
# Errors of a write that the storage refused: no room (a full disk or quota, the file-size
# limit), a read-only file system, no permission.
NO_ROOM_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
STORAGE_ERRNOS = (*NO_ROOM_ERRNOS, errno.EROFS, errno.EACCES, errno.EPERM)
WHERE_ELSE = 'set SEQLAB_DATA_DIR (or config.data.data_dir) to'
Item = TypeVar('Item')


@dataclasses.dataclass
class SubsetConfig(tfds.core.BuilderConfig):
    """`max_per_split`: keep only the first examples of each split (None keeps all)."""

    max_per_split: int | None = None


def hashed_split(key: str, percent: dict[str, int]) -> str:
    """The split of `key`: md5(key) % 100 falls in one of the `percent` shares (they sum to 100)."""
    bucket = int(hashlib.md5(key.encode()).hexdigest(), 16) % 100
    for split, share in percent.items():
        if bucket < share:
            return split
        bucket -= share
    raise AssertionError(f'{percent} must sum to 100')


def numbered_splits(
    items: Iterable[Item], split_of: Callable[[Item], str], splits: Iterable[str], limit: int | None
) -> dict[str, list[tuple[int, Item]]]:
    """split -> [(index of the item in `items`, item)], in order, the first `limit` of each."""
    numbered = {name: [] for name in splits}
    for index, item in enumerate(items):
        numbered[split_of(item)].append((index, item))
    return {name: pairs[:limit] for name, pairs in numbered.items()}


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


def prepared(
    make: Callable[[], tfds.core.DatasetBuilder], name: str, data_dir: str
) -> tfds.core.DatasetBuilder:
    """The builder `make()` of dataset `name`, prepared in `data_dir`.

    A prepared dataset is returned as it is: nothing is locked or written. Otherwise
    `download_and_prepare` runs under a file lock in `data_dir`, so concurrent processes build a
    dataset once; the builder is made again inside the lock, since one made while another process
    builds would not see the finished dataset's splits. TFDS writes into a temporary directory
    that it renames when complete and removes on failure, so a failed preparation leaves nothing
    that a later run would take for the dataset. A `data_dir` that cannot be written, or that
    refuses a write while preparing (full, read-only), raises a one-line ConfigError. Examples are
    serialised deterministically (`tfds_io.serialize_deterministically`): every build of a
    dataset writes the same bytes.
    """
    builder = make()
    if is_prepared(builder):
        return builder
    lock = _locked(name, data_dir)
    try:
        builder = make()
        tfds_io.serialize_deterministically()
        try:
            builder.download_and_prepare(file_format=FILE_FORMAT)
        except Exception as error:  # re-raised unless the storage refused a write
            code = storage_errno(error)
            if code is None:
                raise
            advice = (
                f'free space there, or {WHERE_ELSE} another directory'
                if code in NO_ROOM_ERRNOS
                else f'{WHERE_ELSE} a writable directory'
            )
            raise ConfigError(
                f'preparing dataset {name} in {data_dir} failed: {os.strerror(code)} '
                f'({errno.errorcode[code]}); nothing of it was kept; {advice}'
            ) from error
    finally:
        lock.release()
    return builder


def is_prepared(builder: tfds.core.DatasetBuilder) -> bool:
    """Whether the builder's version directory holds a finished dataset: its `dataset_info.json`,
    written last, before TFDS renames the temporary directory into place."""
    return (builder.data_path / 'dataset_info.json').exists()


def _locked(name: str, data_dir: str) -> filelock.FileLock:
    """The acquired lock of dataset `name` in `data_dir` (made if missing); a ConfigError if
    `data_dir` cannot be written."""
    lock_name = re.sub(r'[^A-Za-z0-9_.-]', '_', name)
    lock = filelock.FileLock(pathlib.Path(data_dir) / f'{lock_name}.lock')
    try:
        pathlib.Path(data_dir).mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except OSError as error:
        raise ConfigError(
            f'dataset {name} is not prepared in {data_dir}, and {data_dir} cannot be written '
            f'({error}); {WHERE_ELSE} a writable directory, or to one where {name} is prepared'
        ) from None
    return lock


def storage_errno(error: BaseException) -> int | None:
    """The errno of STORAGE_ERRNOS if `error` is a write that the storage refused, else None.
    array_record's writer reports the OS error only as the text of a RuntimeError."""
    if isinstance(error, OSError):
        return error.errno if error.errno in STORAGE_ERRNOS else None
    if isinstance(error, RuntimeError):
        return next((code for code in STORAGE_ERRNOS if os.strerror(code) in str(error)), None)
    return None


def split_name(name: str) -> tuple[str, str | None]:
    """'spoken_keywords/tiny' -> ('spoken_keywords', 'tiny'); 'digits' -> ('digits', None)."""
    dataset, _, config = name.partition('/')
    return dataset, config or None


def check_config_name(name: str) -> None:
    """A one-line ConfigError unless the builder config named after '/' exists."""
    dataset, config = split_name(name)
    if config is None:
        return
    allowed = [c.name for c in builder_class(dataset).BUILDER_CONFIGS]
    if config not in allowed:
        raise ConfigError(
            f'config.data.name={name!r}: {dataset!r} has no config {config!r}; allowed: '
            f'{", ".join(allowed) or "none"}'
        )


def offline(name: str, data_dir: str) -> tfds.core.DatasetBuilder:
    """The prepared offline builder `name` (`dataset` or `dataset/config`) in `data_dir`."""
    dataset, config = split_name(name)
    make = builder_class(dataset)
    options = {'config': config} if config else {}
    return prepared(
        lambda: make(data_dir=data_dir, file_format=FILE_FORMAT, **options), name, data_dir
    )
