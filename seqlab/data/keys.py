"""`config.data.keys`: seqlab's names for the columns and features of a dataset.

A dataset made from files (`csv:`, `jsonl:`) or read from the TFDS catalogue names its columns as
it likes; `keys` maps each name seqlab reads to the column or feature that holds it, e.g.
`--config.data.keys.label=topic`. Every data config has all of `DEFAULTS`; names a dataset does not
use are ignored.
"""

import ml_collections

from seqlab.config import ConfigError

DEFAULTS = {
    'image': 'image',
    'audio': 'audio',
    'text': 'text',
    'label': 'label',
    'value': 'value',  # a series' numbers (forecasting)
    'time': 'time',  # a series' times (optional)
    'smiles': 'smiles',  # a molecule (graph configs)
    'target': 'target',  # a molecule's regression target (graph configs)
}


def default_config() -> ml_collections.ConfigDict:
    """`config.data.keys` with every name mapped to itself."""
    return ml_collections.ConfigDict(DEFAULTS)


def get(data_config: ml_collections.ConfigDict) -> dict[str, str]:
    """The keys of `config.data` (DEFAULTS where a config predates them), each a non-empty
    string; a one-line ConfigError otherwise."""
    keys = {**DEFAULTS, **dict(data_config.get('keys') or {})}
    for name, value in keys.items():
        if name not in DEFAULTS:
            raise ConfigError(
                f'config.data.keys.{name} is not a key; allowed: {", ".join(DEFAULTS)}'
            )
        if not isinstance(value, str) or not value:
            raise ConfigError(
                f'config.data.keys.{name}={value!r} is not allowed; allowed: a column or feature '
                'name'
            )
    return keys
