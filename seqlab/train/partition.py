"""PartitionSpecs of the train state from the rules in `config.mesh`.

Every array leaf of the TrainState is named by its path ('params/encoder/blocks/mlp/hidden/kernel',
'opt_state/1/0/mu/encoder/blocks/mlp/hidden/kernel', ...) and gets a spec in three steps:

1. Tensor parallelism: the first `(regex, spec)` in `config.mesh.rules` whose regex is found in
   the path gives the spec of the leaf's trailing axes; the leading layer axis of a scanned stack
   stays whole. The defaults split Megatron-style: the query/key/value projections and the MLP's
   first layer by columns (output features, hence heads), the attention output and the MLP's
   second layer by rows, so each attention or MLP needs one all-reduce of its output.
2. FSDP: a leaf with at least `config.mesh.fsdp_min_size` elements is also split over `fsdp`,
   along its largest free axis whose size the fsdp size divides (never the layer axis).
3. Anything else is replicated, integer leaves (step, RNG key) included.
Optimizer moments share their parameter's path suffix and shape, so they are split alike. Mesh axes
of size 1 are dropped, so with fsdp = tensor = 1 everything is replicated.
"""

import math
import re
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import ml_collections
from jax.sharding import PartitionSpec

from seqlab.config import ConfigError
from seqlab.train import layout

AXES = ('data', 'fsdp', 'tensor')
COLUMNS, ROWS, FEATURES = (None, 'tensor'), ('tensor', None), ('tensor',)
DEFAULT_RULES = (
    (r'attention/(query|key|value)/kernel$', COLUMNS),
    (r'attention/(query|key|value)/bias$', FEATURES),
    (r'attention/out/kernel$', ROWS),
    (r'mlp/hidden/kernel$', COLUMNS),
    (r'mlp/hidden/bias$', FEATURES),
    (r'mlp/output/kernel$', ROWS),
)
Rules = Sequence[tuple[str, Sequence[str | None]]]


def check_rules(rules: Rules) -> None:
    """Each rule is (regex, spec) with spec a tuple of mesh axis names or None, each axis once."""
    for index, rule in enumerate(rules):
        where = f'config.mesh.rules[{index}]={rule!r}'
        if not (
            isinstance(rule, (tuple, list))
            and len(rule) == 2
            and isinstance(rule[0], str)
            and isinstance(rule[1], (tuple, list))
        ):
            raise ConfigError(f'{where}; allowed: (regex, spec), e.g. {DEFAULT_RULES[0]!r}')
        try:
            re.compile(rule[0])
        except re.error as error:
            raise ConfigError(f'{where}: {rule[0]!r} is not a regex ({error})') from None
        named = [axis for axis in rule[1] if axis is not None]
        if any(axis not in AXES for axis in named) or len(set(named)) != len(named):
            raise ConfigError(
                f'{where}: spec entries must be distinct mesh axes or None; allowed: {AXES}'
            )


def spec_for(
    path: str, shape: Sequence[int], sizes: dict[str, int], mesh_config: ml_collections.ConfigDict
) -> PartitionSpec:
    """The PartitionSpec of one leaf; `sizes` maps mesh axis -> size."""
    spec: list[str | None] = [None] * len(shape)
    layer_axis = int(f'/{layout.SCANNED}/' in f'/{path}/' and len(shape) > 0)
    for regex, rule in mesh_config.rules:
        if re.search(regex, path):
            if len(rule) > len(shape) - layer_axis:
                raise ConfigError(
                    f'config.mesh.rules: {regex!r} gives {len(rule)} axes to {path} of shape '
                    f'{list(shape)}; allowed: at most {len(shape) - layer_axis}'
                )
            spec[len(shape) - len(rule) :] = rule
            break
    spec = [axis if axis and sizes[axis] > 1 else None for axis in spec]
    for dim, axis in enumerate(spec):
        if axis and shape[dim] % sizes[axis]:
            raise ConfigError(
                f'config.mesh.rules: {path} of shape {list(shape)} cannot split axis {dim} over '
                f'{axis}={sizes[axis]}; allowed: a {axis} size dividing {shape[dim]}, or a rule '
                'that does not match it'
            )
    fsdp = sizes['fsdp']
    if fsdp > 1 and 'fsdp' not in spec and math.prod(shape) >= mesh_config.fsdp_min_size:
        free = [
            dim
            for dim in range(layer_axis, len(shape))
            if spec[dim] is None and shape[dim] % fsdp == 0
        ]
        if free:
            spec[max(free, key=lambda dim: (shape[dim], dim))] = 'fsdp'
    return PartitionSpec(*spec)


def state_specs(
    abstract_state: Any, sizes: dict[str, int], mesh_config: ml_collections.ConfigDict
) -> Any:
    """A PartitionSpec for every array leaf of `abstract_state` (same tree structure); integer
    leaves (step, RNG key) are replicated."""

    def spec(path, leaf):
        if not jnp.issubdtype(leaf.dtype, jnp.floating):
            return PartitionSpec()
        name = jax.tree_util.keystr(path, simple=True, separator='/')
        return spec_for(name, leaf.shape, sizes, mesh_config)

    return jax.tree_util.tree_map_with_path(spec, abstract_state)
