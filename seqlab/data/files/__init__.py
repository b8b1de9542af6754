"""Datasets made from the user's own files: `imagefolder:<dir>`, `audiofolder:<dir>`,
`csv:<file>`, `jsonl:<file>`.

A file source is planned (`Plan`: features, splits, where each example came from) by the module of
its kind, then prepared once by `builders.prepared` into the same array_record cache as the
offline builders, keyed by the resolved path and a digest of the files' contents and the options
that shape the records: an edited source is prepared again, an unchanged one is opened as it is.
The modality of a folder is its kind's; that of a table (csv, jsonl) is the config's (text,
series or graph: seqlab/data/modality.py).
"""

import importlib
import pathlib

import ml_collections
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import builders, keys, modality
from seqlab.data.files import builder, layout, tables

SOURCES_ASSET = builder.SOURCES_FILE
FOLDER_KINDS = {'imagefolder': 'vision', 'audiofolder': 'audio'}
TABLE_KINDS = ('csv', 'jsonl')
# modality -> the module whose `plan` reads a table as it (imported when used: RDKit, pandas).
TABLE_PLANS = {'text': 'text_table', 'series': 'series_table', 'graph': 'graph_table'}
FORMS = ', '.join(
    f'{kind}:<{"dir" if kind in FOLDER_KINDS else "file"}>'
    for kind in (*FOLDER_KINDS, *TABLE_KINDS)
)


def kind_of(name: str) -> str | None:
    """'imagefolder', 'csv', ... when `name` is '<kind>:<path>', else None."""
    kind, colon, _ = name.partition(':')
    return kind if colon and kind in (*FOLDER_KINDS, *TABLE_KINDS) else None


def path_of(name: str) -> pathlib.Path:
    """The path part of '<kind>:<path>'."""
    return pathlib.Path(name.partition(':')[2])


def read_as(data_config: ml_collections.ConfigDict) -> str:
    """The modality the file source `config.data.name` is read as: a folder's kind's, a table's
    the config's (seqlab/data/modality.py)."""
    return FOLDER_KINDS.get(kind_of(data_config.name)) or modality.of_config(data_config)


def check(data_config: ml_collections.ConfigDict) -> None:
    """A one-line ConfigError unless the source exists and `keys` are names; reads no file."""
    name = data_config.name
    kind = kind_of(name)
    keys.get(data_config)
    if not path_of(name).parts:
        raise ConfigError(f'config.data.name={name!r} names no path; allowed: {FORMS}')
    layout.existing(path_of(name), name, folder=kind in FOLDER_KINDS)


def plan(data_config: ml_collections.ConfigDict) -> builder.Plan:
    """What the file source `config.data.name` prepares into (reads the files)."""
    name = data_config.name
    kind = kind_of(name)
    root = layout.existing(path_of(name), name, folder=kind in FOLDER_KINDS)
    if kind == 'imagefolder':  # imported when used (Pillow, the vision transforms)
        from seqlab.data import vision
        from seqlab.data.files import images

        return images.plan(root, vision.image_size(data_config.get('image_size')), name)
    if kind == 'audiofolder':  # imported when used (the audio readers)
        from seqlab.data.files import sounds

        return sounds.plan(root, data_config.sample_rate, name)
    table_modality = modality.of_config(data_config)
    if table_modality not in TABLE_PLANS:
        raise ConfigError(
            f'config.data.name={name!r} cannot be read as {table_modality}; allowed: a config that '
            f'reads {", ".join(TABLE_PLANS)} (or config.data.modality set to one of them)'
        )
    rows = tables.table(root, kind, name, split_files=table_modality != 'series')
    options = {'modality': table_modality, 'keys': keys.get(data_config)}
    planner = importlib.import_module(f'{__name__}.{TABLE_PLANS[table_modality]}')
    return planner.plan(
        rows,
        data_config,
        kind=kind,
        config_name=layout.config_name(root, rows.digest(options)),
    )


def prepared(data_config: ml_collections.ConfigDict, data_dir: str) -> tfds.core.DatasetBuilder:
    """The prepared builder of the file source `config.data.name` in `data_dir` (prepared now,
    once, under a file lock, if its digest is new)."""
    source = plan(data_config)
    return builders.prepared(
        lambda: builder.FileBuilder(
            plan=source, data_dir=data_dir, file_format=builders.FILE_FORMAT
        ),
        f'{source.kind}/{source.config_name}',
        data_dir,
    )


def sources_file(prepared_builder: tfds.core.DatasetBuilder) -> str:
    """The `sources.tsv` (id, split, source) of a prepared file source."""
    return str(prepared_builder.data_path / builder.SOURCES_FILE)
