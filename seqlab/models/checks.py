"""What a model's `check(kwargs, input_shape)` is made of.

`settings(Model, kwargs)` is what `Model(**kwargs)` would hold: the kwargs over the defaults of the
class's own fields, so a check never repeats a default. The checks below are the ones several
models share; each raises a one-line ConfigError naming `config.model.kwargs.<key>`, the bad value
and what is allowed, before anything is compiled.
"""

import dataclasses
import types
from collections.abc import Iterable, Mapping
from typing import Any

from seqlab.config import ConfigError
from seqlab.config import one_of as _one_of

WHERE = 'config.model.kwargs'


def settings(model_class: type, kwargs: Mapping[str, Any]) -> types.SimpleNamespace:
    """`kwargs` over the defaults of `model_class`'s dataclass fields (linen's `parent` and `name`
    left out); a field with no default is there only when `kwargs` has it."""
    defaults = {
        field.name: field.default
        for field in dataclasses.fields(model_class)
        if field.name not in ('parent', 'name') and field.default is not dataclasses.MISSING
    }
    return types.SimpleNamespace(**{**defaults, **kwargs})


def one_of(model: types.SimpleNamespace, key: str, allowed: Iterable[Any]) -> None:
    """`key` is one of `allowed`."""
    _one_of(f'{WHERE}.{key}', getattr(model, key), allowed)


def int_at_least(model: types.SimpleNamespace, key: str, smallest: int, why: str = '') -> None:
    """`key` is an int >= `smallest`; `why` (e.g. ' (a causal convolution)') ends the message."""
    value = getattr(model, key)
    if not isinstance(value, int) or isinstance(value, bool) or value < smallest:
        raise ConfigError(
            f'{WHERE}.{key}={value!r} is not allowed; allowed: an int >= {smallest}{why}'
        )


def positive_ints(model: types.SimpleNamespace, key: str) -> None:
    """`key` is a non-empty sequence of ints >= 1 (kernel sizes, strides, dilations, channels)."""
    value = getattr(model, key)
    ints = isinstance(value, Iterable) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    )
    if not ints or not value or min(value) < 1:
        raise ConfigError(
            f'{WHERE}.{key}={value!r} is not allowed; allowed: a non-empty tuple of positive ints, '
            'e.g. (1, 2, 4)'
        )


def heads_divide_width(model: types.SimpleNamespace) -> None:
    """`heads` >= 1 splits `width` into equal heads."""
    width, heads = model.width, model.heads
    if heads < 1 or width % heads:
        raise ConfigError(
            f'{WHERE}.heads={heads} does not divide width={width}; allowed: a divisor of the width'
        )


def max_length_fits(max_length: int, lengths: Mapping[str, int], otherwise: str = '') -> None:
    """Every data length (`{'max_length': 128}`: config.data's key -> tokens) fits the position
    table's `max_length` rows; `otherwise` ends the message with what else would do."""
    for key, length in lengths.items():
        if length > max_length:
            raise ConfigError(
                f'{WHERE}.max_length={max_length} is shorter than the data '
                f'(config.data.{key}={length}); allowed: >= {length}{otherwise}'
            )
