"""Checks of `config.data` values that every modality uses."""

import ml_collections

from seqlab.config import ConfigError


def int_at_least(
    data_config: ml_collections.ConfigDict, key: str, least: int = 1, allowed: str = ''
) -> None:
    """config.data.<key> is an int (not a bool) >= `least`; otherwise a one-line ConfigError whose
    'allowed:' part is `allowed` when given (to say what a special value means)."""
    value = data_config.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        raise ConfigError(
            f'config.data.{key}={value!r} is not allowed; allowed: {allowed or f"an int >= {least}"}'
        )
