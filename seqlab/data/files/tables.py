"""`csv:<file>` and `jsonl:<file>`: the rows of a table (read here; made into a text, series or
graph dataset by text_table, series_table, graph_table).

A CSV has a header row; a JSONL file has one JSON object per line. `csv:<dir>` (`jsonl:<dir>`)
reads `train.csv`, `validation.csv`, `test.csv` there (each held-out file that is missing carved
from train). Columns are named by `config.data.keys`. A row's `id` is its number in the table,
counting from 0 at the first row after the header; across split files the numbers run on in the
order train, validation, test. Its source (`sources.tsv`) is `<file name>:<row in that file>`.
"""

import csv
import json
import pathlib
from collections.abc import Sequence

import ml_collections

from seqlab.config import ConfigError
from seqlab.data import keys
from seqlab.data.files import layout


class Table:
    """The rows of one or more files: `rows[id]` (column -> value, strings for CSV), `given[id]`
    (the split its file names, None for a single file) and `sources[id]`."""

    def __init__(self, name: str, root: pathlib.Path):
        self.name, self.root = name, root
        self.rows: list[dict] = []
        self.given: list[str | None] = []
        self.sources: list[str] = []
        self.paths: list[pathlib.Path] = []

    def read(self, path: pathlib.Path, kind: str, split: str | None) -> None:
        """Appends the rows of the CSV or JSONL file `path`."""
        self.paths.append(path)
        for row_number, row in enumerate(read_rows(path, kind, self.name)):
            self.rows.append(row)
            self.given.append(split)
            self.sources.append(f'{path.name}:{row_number}')

    def column(self, key: str, data_config: ml_collections.ConfigDict) -> list:
        """The values of the column that `config.data.keys.<key>` names, one per row; a one-line
        ConfigError naming the columns there are if a row lacks it."""
        column = keys.get(data_config)[key]
        for i, row in enumerate(self.rows):
            if column not in row:
                raise ConfigError(
                    f'config.data.name={self.name!r}: {self.sources[i]} has no column {column!r} '
                    f'(config.data.keys.{key}); allowed: config.data.keys.{key} set to one of '
                    f'{", ".join(map(repr, row))}'
                )
        return [row[column] for row in self.rows]

    def has_column(self, key: str, data_config: ml_collections.ConfigDict) -> bool:
        """Whether the first row has the column `config.data.keys.<key>` names."""
        return keys.get(data_config)[key] in self.rows[0]

    def digest(self, options: dict) -> str:
        """The digest of the files read (their names and bytes) and `options`."""
        digest = layout.Digest(self.root, options)
        for path in self.paths:
            digest.add(path.name, path.read_bytes())
        return digest.hexdigest()

    def splits(self) -> dict[str, list[int]]:
        """split -> ids: the split files', each missing held-out split carved by the row's id."""
        given = {str(i): split for i, split in enumerate(self.given)}
        return layout.assign(given, given, self.name)


def read_rows(path: pathlib.Path, kind: str, name: str) -> list[dict]:
    """The rows of one CSV (with a header) or JSONL file; a one-line ConfigError for a file that
    is not one, or that has no rows."""
    try:
        with path.open(newline='', encoding='utf-8') as lines:
            if kind == 'csv':
                rows = list(csv.DictReader(lines))
            else:
                rows = [
                    json_row(line, n, path, name) for n, line in enumerate(lines) if line.strip()
                ]
    except (UnicodeDecodeError, csv.Error) as error:
        raise ConfigError(
            f'config.data.name={name!r}: {path} is not a UTF-8 {kind.upper()} file ({error})'
        ) from None
    if not rows:
        raise ConfigError(
            f'config.data.name={name!r}: {path} has no rows; allowed: a header and rows'
        )
    return rows


def json_row(line: str, number: int, path: pathlib.Path, name: str) -> dict:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        row = error
    if not isinstance(row, dict):
        raise ConfigError(
            f'config.data.name={name!r}: line {number + 1} of {path} is not a JSON object; '
            'allowed: one {"column": value, ...} object per line'
        )
    return row


def table(root: pathlib.Path, kind: str, name: str, *, split_files: bool = True) -> Table:
    """The rows of file `root`, or of the split files in folder `root`."""
    read = Table(name, root)
    if not root.is_dir():
        read.read(root, kind, None)
        return read
    found = layout.split_files(root, f'.{kind}')
    if 'train' not in found or not split_files:
        allowed = 'a single file' if not split_files else f'a folder with train.{kind}'
        raise ConfigError(
            f'config.data.name={name!r}: {root} is a folder without train.{kind}; allowed: '
            f'{allowed}'
        )
    for split, path in found.items():
        read.read(path, kind, split)
    return read


def numbers(values: Sequence, table: Table, key: str, keys_name: str) -> list[float]:
    """The values as floats ('' and None: NaN); a one-line ConfigError naming the first row whose
    value is not a number."""
    floats = []
    for i, value in enumerate(values):
        if value in ('', None):
            floats.append(float('nan'))
            continue
        try:
            floats.append(float(value))
        except (TypeError, ValueError):
            raise ConfigError(
                f'config.data.name={table.name!r}: {table.sources[i]} has {value!r} in column '
                f'{keys_name!r} (config.data.keys.{key}); allowed: numbers'
            ) from None
    return floats
