"""Files in class folders, `<dir>/<class>/<file>` (or `<dir>/<split>/<class>/<file>`): what
`imagefolder:` and `audiofolder:` share. Labels are the class folders' names, sorted
(`ClassLabel`); an example's `id` is its position in the sorted relative paths of the whole
folder, and its source (in `sources.tsv`) that relative path.
"""

import dataclasses
import pathlib
from collections.abc import Callable
from typing import Any

import numpy as np
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data.files import builder, layout


@dataclasses.dataclass(frozen=True)
class LabelledFiles:
    """`labelled`: [(path relative to `root`, class)] sorted by path; `given`: {relative path: its
    split folder or None}; `name`: config.data.name, for errors."""

    root: pathlib.Path
    labelled: list[tuple[str, str]]
    given: dict[str, str | None]
    name: str

    def plan(
        self,
        *,
        kind: str,
        digest: layout.Digest,
        description: str,
        key: str,
        feature: tfds.features.FeatureConnector,
        read: Callable[[str], Any],
        **fields: Any,
    ) -> builder.Plan:
        """The Plan whose example `i` is {'id': i, key: read(its relative path), 'label': its
        class id}, `key` stored as `feature`; `fields`: the Plan's other fields (sample_rate)."""
        class_names = sorted({label for _, label in self.labelled})
        label_ids = {label: k for k, label in enumerate(class_names)}

        def example(i: int) -> dict:
            relative, label = self.labelled[i]
            return {'id': i, key: read(relative), 'label': label_ids[label]}

        relatives = [relative for relative, _ in self.labelled]
        return builder.Plan(
            kind=kind,
            config_name=layout.config_name(self.root, digest.hexdigest()),
            description=description,
            features=tfds.features.FeaturesDict(
                {
                    'id': tfds.features.Scalar(dtype=np.int64),
                    key: feature,
                    'label': tfds.features.ClassLabel(names=class_names),
                }
            ),
            splits=layout.assign(relatives, self.given, self.name),
            sources=dict(enumerate(relatives)),
            example=example,
            **fields,
        )


def class_files(
    root: pathlib.Path, split_root: pathlib.Path, extensions: tuple[str, ...], name: str
) -> list[tuple[str, str]]:
    """(path relative to `root`, class) of every file ending in `extensions` under
    `split_root`/<class>/, sorted."""
    found = []
    for entry in sorted(split_root.iterdir()):
        if entry.is_file() and entry.suffix.lower() in extensions:
            raise ConfigError(
                f'config.data.name={name!r}: {entry.relative_to(root)} is not in a class folder; '
                f'allowed: {split_root.relative_to(root.parent)}/<class>/<file>'
            )
        if not entry.is_dir():
            continue
        files = [p for p in sorted(entry.rglob('*')) if p.suffix.lower() in extensions]
        if not files:
            raise ConfigError(
                f'config.data.name={name!r}: class folder {entry.relative_to(root.parent)} has no '
                f'files ending in {", ".join(extensions)}; allowed: at least one'
            )
        found += [(p.relative_to(root).as_posix(), entry.name) for p in files]
    if not found:
        raise ConfigError(
            f'config.data.name={name!r}: {split_root} has no class folders; allowed: '
            '<folder>/<class>/<image>, optionally inside train/, validation/, test/'
        )
    return found


def labelled_files(root: pathlib.Path, extensions: tuple[str, ...], name: str) -> LabelledFiles:
    """The files ending in `extensions` in the class folders of `root` (or of its split
    folders)."""
    labelled, given = [], {}
    for split, split_root in (layout.split_folders(root) or {None: root}).items():
        for relative, label in class_files(root, split_root, extensions, name):
            labelled.append((relative, label))
            given[relative] = split
    return LabelledFiles(root, sorted(labelled), given, name)
