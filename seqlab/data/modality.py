"""Which modality a config reads a dataset as, for datasets that do not say (a table, a user's
builder, a TFDS catalogue dataset): `config.data.modality` where set, else the one that the config's
data keys belong to (vision configs have `augment`, text configs `tokenizer`, audio configs
`sample_rate`, forecasting configs `horizon`, graph configs `node_budget`)."""

import ml_collections

from seqlab.config import ConfigError

MODALITIES = ('vision', 'text', 'audio', 'graph', 'series')
CONFIG_KEYS = {
    'augment': 'vision',
    'tokenizer': 'text',
    'sample_rate': 'audio',
    'horizon': 'series',
    'node_budget': 'graph',
}


def forced(data_config: ml_collections.ConfigDict) -> str:
    """`config.data.modality` ('' when unset); a one-line ConfigError unless '' or a modality."""
    value = data_config.get('modality', '')
    if value not in ('', *MODALITIES):
        raise ConfigError(
            f"config.data.modality={value!r} is not allowed; allowed: '' (the dataset's own or "
            f"the config's), {', '.join(MODALITIES)}"
        )
    return value


def of_config(data_config: ml_collections.ConfigDict) -> str:
    """`config.data.modality`, else the modality of the config's data keys (module docstring)."""
    if forced(data_config):
        return forced(data_config)
    found = sorted({modality for key, modality in CONFIG_KEYS.items() if key in data_config})
    if len(found) != 1:
        raise ConfigError(
            f'config.data.name={data_config.name!r}: cannot tell which modality this config reads '
            f'it as (its data keys fit {", ".join(found) or "none"}); allowed: '
            f'config.data.modality set to one of {", ".join(MODALITIES)}'
        )
    return found[0]
