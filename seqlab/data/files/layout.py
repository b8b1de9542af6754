"""Where a file source's examples are and which split each belongs to; the digest that keys it.

A source is split by what it holds: `train/`, `validation/`, `test/` subfolders (or `train.csv`,
`validation.csv`, ... files) when present, each missing held-out split then carved from train;
otherwise both held-out splits are carved from all of it (`holdout.carved_split`, about 10% each,
by a hash of the relative path or row number, so the carve never depends on order or seed).
"""

import hashlib
import json
import pathlib
import re
from collections.abc import Iterable

from seqlab.config import ConfigError
from seqlab.data import holdout

SPLITS = (holdout.TRAIN, holdout.VALIDATION, holdout.TEST)
FORMAT = 1  # bump when what a source prepares into changes: every source is prepared again


def existing(path: pathlib.Path, name: str, *, folder: bool) -> pathlib.Path:
    """`path` resolved; a one-line ConfigError unless it is an existing folder (or file)."""
    resolved = path.expanduser().resolve()
    if not (resolved.is_dir() if folder else resolved.exists()):
        what = 'a folder' if folder else 'a file or a folder of split files'
        raise ConfigError(
            f'config.data.name={name!r}: {path} does not exist{" as a folder" * folder}; '
            f'allowed: {what} (relative to the working directory {pathlib.Path.cwd()})'
        )
    return resolved


def split_folders(root: pathlib.Path) -> dict[str, pathlib.Path]:
    """The `train/`, `validation/`, `test/` subfolders of `root` that exist ({} if none)."""
    return {split: root / split for split in SPLITS if (root / split).is_dir()}


def split_files(root: pathlib.Path, suffix: str) -> dict[str, pathlib.Path]:
    """The `train<suffix>`, `validation<suffix>`, `test<suffix>` files of folder `root`."""
    return {
        split: root / f'{split}{suffix}'
        for split in SPLITS
        if (root / f'{split}{suffix}').is_file()
    }


def assign(keys: Iterable[str], given: dict[str, str | None], name: str) -> dict[str, list[int]]:
    """split -> positions of `keys`, from `given` (key -> its folder's split, None when the source
    has no split folders) and the carve for each held-out split that no folder gives."""
    keys, missing = list(keys), tuple(s for s in SPLITS[1:] if s not in set(given.values()))
    splits = {split: [] for split in SPLITS}
    for position, key in enumerate(keys):
        split = given[key] or holdout.TRAIN
        if split == holdout.TRAIN:
            split = holdout.carved_split(key, missing)
        splits[split].append(position)
    return nonempty(splits, name)


def nonempty(splits: dict[str, list[int]], name: str) -> dict[str, list[int]]:
    """`splits` (split -> ids); a one-line ConfigError if one of them is empty."""
    for split, ids in splits.items():
        if not ids:
            count = sum(map(len, splits.values()))
            raise ConfigError(
                f'config.data.name={name!r}: the {split} split is empty ({count} examples, '
                f'about {holdout.HOLDOUT_PERCENT}% of them go to each held-out split that is not '
                f'given); allowed: more examples, or a {split}/ folder ({split}.csv, {split}.jsonl)'
            )
    return splits


def config_name(root: pathlib.Path, digest: str) -> str:
    """'<file or folder name>_<digest>' with characters other than [A-Za-z0-9_.-] replaced."""
    return f'{re.sub(r"[^A-Za-z0-9_.-]", "_", root.name)}_{digest[:16]}'


class Digest:
    """sha256 over the resolved source path, the options and each file's name and bytes."""

    def __init__(self, root: pathlib.Path, options: dict):
        self._hash = hashlib.sha256(
            json.dumps([FORMAT, str(root), options], sort_keys=True).encode()
        )

    def add(self, relative: str, data: bytes) -> None:
        self._hash.update(f'{relative}\0{len(data)}\0'.encode())
        self._hash.update(data)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
