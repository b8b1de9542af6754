"""Config helpers: string arguments, command-line overrides, and the one error type for bad input.

`get_config(arg)` in configs/*.py receives the text after ':' in `--config=configs/vit.py:variant=S,patch=4`;
`parse_arg` turns it into a ConfigDict of typed values. `apply_overrides` applies `--config.a.b=v` flags:
the key must exist and the value must parse as the key's type, else a one-line `ConfigError`.
"""

import ast
from collections.abc import Iterable, Mapping
from typing import Any

import ml_collections


class ConfigError(ValueError):
    """Bad user input, reported as one line and exit code 2 before anything is compiled or written."""


def parse_arg(arg: str | None, **defaults: Any) -> ml_collections.ConfigDict:
    """Parse `'variant=S,patch=4,smoke'` against typed defaults.

    A bare word `smoke` sets the boolean default of that name to True. Unknown names are errors.
    """
    result = ml_collections.ConfigDict(defaults)
    for item in filter(None, (arg or '').split(',')):
        name, sep, text = item.partition('=')
        name = name.strip()
        if name not in defaults:
            raise ConfigError(
                f'config argument {name!r} is not known; allowed: {", ".join(sorted(defaults))}'
            )
        if not sep:
            if not isinstance(defaults[name], bool):
                raise ConfigError(f'config argument {name!r} needs a value ({name}=...)')
            result[name] = True
        else:
            result[name] = parse_value(text.strip(), defaults[name], f'config argument {name!r}')
    return result


def parse_value(text: str, like: Any, where: str) -> Any:
    """Parse `text` into the type of `like` (bool, int, float, str, tuple, list)."""
    if isinstance(like, str):
        return text
    if isinstance(like, bool):
        lowered = text.lower()
        if lowered in ('true', '1', 'yes'):
            return True
        if lowered in ('false', '0', 'no'):
            return False
        raise ConfigError(f'{where}={text!r} is not a bool; allowed: true, false')
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise ConfigError(f'{where}={text!r} is not a valid {type(like).__name__}') from None
    if isinstance(like, float) and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if isinstance(like, tuple) and isinstance(value, list):
        value = tuple(value)
    if isinstance(like, list) and isinstance(value, tuple):
        value = list(value)
    if like is not None and type(value) is not type(like):
        raise ConfigError(
            f'{where}={text!r} has type {type(value).__name__}; expected {type(like).__name__}'
        )
    return value


def apply_overrides(config: ml_collections.ConfigDict, overrides: Mapping[str, str]) -> None:
    """Apply `{'optim.lr': '3e-4'}` in place; unknown keys and wrong types raise ConfigError."""
    for dotted, text in overrides.items():
        parent, leaf = config, dotted
        path = dotted.split('.')
        for i, part in enumerate(path[:-1]):
            if part not in parent:
                raise _unknown_key('.'.join(path[: i + 1]), parent)
            if not isinstance(parent[part], ml_collections.ConfigDict):
                raise ConfigError(
                    f'config.{dotted} does not exist: config.{".".join(path[: i + 1])} is a '
                    f'value ({parent[part]!r}), not a group'
                )
            parent = parent[part]
        leaf = path[-1]
        if leaf not in parent:
            raise _unknown_key(dotted, parent)
        current = parent[leaf]
        if isinstance(current, ml_collections.ConfigDict):
            raise ConfigError(f'config.{dotted} is a group; set one of its keys: {_keys(current)}')
        parent[leaf] = parse_value(text, current, f'config.{dotted}')


def _unknown_key(dotted: str, parent: ml_collections.ConfigDict) -> ConfigError:
    return ConfigError(f'config.{dotted} does not exist; allowed here: {_keys(parent)}')


def _keys(group: ml_collections.ConfigDict) -> str:
    return ', '.join(sorted(group.keys()))


def flatten(config: ml_collections.ConfigDict, prefix: str = '') -> dict[str, Any]:
    """`{'optim.lr': 1e-3, ...}` for logging and sweeps."""
    flat = {}
    for key, value in config.items():
        name = f'{prefix}{key}'
        if isinstance(value, ml_collections.ConfigDict):
            flat.update(flatten(value, f'{name}.'))
        else:
            flat[name] = value
    return flat


def one_of(where: str, value: Any, allowed: Iterable[Any]) -> None:
    """Raise ConfigError unless `value` is in `allowed`."""
    allowed = list(allowed)
    if value not in allowed:
        raise ConfigError(
            f'{where}={value!r} is not allowed; allowed: {", ".join(map(str, allowed))}'
        )
