"""A table's rows as one series (forecasting): `keys.value` the numbers, in row order, and
optionally `keys.time` their times (numbers, or dates stored as fractional years).

Empty cells are gaps, filled by linear interpolation between the nearest values and flagged
`observed = False` (metrics skip them), as the built-in co2 series does. The splits are
chronological 70 / 15 / 15 and store history (seqlab/data/series.py); a split's source in
`sources.tsv` is its rows, `<file>:<first>-<last>`.
"""

import ml_collections
import numpy as np
import pandas as pd
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import keys, series
from seqlab.data.builders.co2 import decimal_year, fill_gaps
from seqlab.data.files import builder, tables


def times(table: tables.Table, data_config: ml_collections.ConfigDict) -> np.ndarray:
    """[rows] float32: the time column as numbers or fractional years of dates; the row numbers
    without a time column."""
    if not table.has_column('time', data_config):
        return np.arange(len(table.rows), dtype=np.float32)
    values = table.column('time', data_config)
    try:
        return np.array(values, dtype=np.float64).astype(np.float32)
    except ValueError:
        pass
    try:
        dates = pd.DatetimeIndex(pd.to_datetime(values, format='mixed'))
    except (ValueError, TypeError) as error:
        raise ConfigError(
            f'config.data.name={table.name!r}: column {keys.get(data_config)["time"]!r} '
            f'(config.data.keys.time) holds neither numbers nor dates ({error}); allowed: '
            'numbers or dates'
        ) from None
    return decimal_year(dates).astype(np.float32)


def plan(
    table: tables.Table, data_config: ml_collections.ConfigDict, *, kind: str, config_name: str
) -> builder.Plan:
    """What the table prepares into as a series (module docstring)."""
    column = keys.get(data_config)['value']
    values = np.array(tables.numbers(table.column('value', data_config), table, 'value', column))
    try:
        filled, observed = fill_gaps(values)
    except ValueError:
        raise ConfigError(
            f'config.data.name={table.name!r}: column {column!r} (config.data.keys.value) starts '
            'or ends with an empty cell; allowed: a first and a last value to interpolate between'
        ) from None
    columns = {
        'values': filled.astype(np.float32),
        'observed': observed,
        'year': times(table, data_config),
    }
    try:
        stored = series.split_series(columns)
    except ValueError as error:
        raise ConfigError(f'config.data.name={table.name!r}: {error}') from None
    sources = {}
    for split in stored.values():
        first, last = split['first_target'], len(split['values']) - 1
        sources[split['id']] = f'{table.sources[first]}-{table.sources[last].rpartition(":")[2]}'
    return builder.Plan(
        kind=kind,
        config_name=config_name,
        description=f'The series in column {column!r} of {table.root}.',
        features=tfds.features.FeaturesDict(
            {
                key: tfds.features.Tensor(shape=shape, dtype=dtype)
                for key, (shape, dtype) in series.STORED_COLUMNS.items()
            }
        ),
        splits={name: [split['id']] for name, split in stored.items()},
        sources=sources,
        example=lambda i: next(split for split in stored.values() if split['id'] == i),
    )
