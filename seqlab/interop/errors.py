"""One-line errors for checkpoints that cannot be loaded and models that cannot be exported."""

from collections.abc import Collection
from typing import Any


class InteropError(ValueError):
    """A checkpoint that cannot be loaded or a model that cannot be exported; one line."""


def setting(config: dict, key: str, allowed: Collection, default: Any = None) -> Any:
    """config.json's `key` (or `default`), which must be one of `allowed`."""
    value = config.get(key, default)
    if value not in allowed:
        raise InteropError(
            f'config.json {key}={value!r} is not supported; supported: '
            f'{", ".join(repr(a) for a in allowed)}'
        )
    return value


def exportable(model: Any, field: str, allowed: Collection, architecture: str) -> None:
    """The seqlab model's `field` must be one of `allowed` to be written as `architecture`."""
    value = getattr(model, field)
    if value not in allowed:
        raise InteropError(
            f'{type(model).__name__} with {field}={value!r} cannot be exported as {architecture}; '
            f'supported: {", ".join(repr(a) for a in allowed)}'
        )
