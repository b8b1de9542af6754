"""One table per architecture maps transformers tensors to seqlab parameters, in both directions.

A `Tensor` row pairs one transformers tensor with one or more seqlab leaves ('decoder/blocks_0/
mlp/hidden/kernel') and two functions: `to_seqlab(array) -> (leaf, ...)` and
`to_hf(*leaves) -> array`, on numpy arrays (moving data needs no XLA compilation). Loading and
exporting read the same table, so the two directions cannot disagree. Tables use the unscanned
layout (blocks_0, blocks_1, ...).
"""

import dataclasses
import logging
import re
from collections.abc import Callable, Sequence

import jax
import numpy as np
from flax import traverse_util

from seqlab.interop.errors import InteropError

log = logging.getLogger('seqlab')


@dataclasses.dataclass(frozen=True)
class Tensor:
    """transformers tensor `name` <-> seqlab parameters `leaves`, converted by the two functions."""

    name: str
    leaves: tuple[str, ...]
    to_seqlab: Callable[[np.ndarray], tuple[np.ndarray, ...]]
    to_hf: Callable[..., np.ndarray]


def same(name: str, leaf: str) -> Tensor:
    """Same layout on both sides (LayerNorm weight/bias, biases, embedding tables)."""
    return Tensor(name, (leaf,), lambda x: (x,), lambda x: x)


def linear(name: str, leaf: str) -> Tensor:
    """torch.nn.Linear weight [out, in] <-> seqlab kernel [in, out]."""
    return Tensor(name, (leaf,), lambda w: (w.T,), lambda k: k.T)


def layer_norm(prefix: str, module: str, weight: str = 'weight', bias: str = 'bias') -> list:
    """LayerNorm `prefix`.weight/bias <-> seqlab `module`/scale and bias."""
    return [
        same(f'{prefix}.{weight}', f'{module}/scale'),
        same(f'{prefix}.{bias}', f'{module}/bias'),
    ]


def dense(prefix: str, module: str) -> list[Tensor]:
    """torch.nn.Linear `prefix`.weight/bias <-> seqlab `module`/kernel and bias."""
    return [
        linear(f'{prefix}.weight', f'{module}/kernel'),
        same(f'{prefix}.bias', f'{module}/bias'),
    ]


def fused(name: str, leaves: Sequence[str]) -> Tensor:
    """One tensor holding len(leaves) equal parts concatenated on the last axis (GPT-2's c_attn)."""
    return Tensor(
        name,
        tuple(leaves),
        lambda x: tuple(np.split(x, len(leaves), axis=-1)),
        lambda *parts: np.concatenate(parts, axis=-1),
    )


def reshaped(name: str, leaf: str, hf_prefix: tuple[int, ...]) -> Tensor:
    """transformers adds leading unit axes `hf_prefix` (ViT's [1, T, D] position table)."""
    drop = tuple(range(len(hf_prefix)))
    return Tensor(
        name, (leaf,), lambda x: (x.squeeze(drop),), lambda x: x.reshape(*hf_prefix, *x.shape)
    )


def flat_shapes(model, sample_inputs: tuple) -> dict[str, jax.ShapeDtypeStruct]:
    """'a/b/kernel' -> shape of every parameter of `model` (no computation)."""
    shapes = jax.eval_shape(model.init, jax.random.PRNGKey(0), *sample_inputs)['params']
    return traverse_util.flatten_dict(shapes, sep='/')


def load(
    table: list[Tensor],
    tensors: dict[str, np.ndarray],
    expected: dict[str, jax.ShapeDtypeStruct],
    unused: Sequence[str] = (),
) -> dict:
    """Nested seqlab params from `tensors`, checked against the table and the expected shapes.

    Every table tensor must be present with the shape the model needs; a tensor the table does
    not name is an error unless it matches one of the `unused` regular expressions (buffers and
    heads the seqlab model has no use for), which are logged. Nothing is loaded partially.
    """
    known = {row.name for row in table}
    ignored = sorted(
        n for n in tensors if n not in known and any(re.fullmatch(p, n) for p in unused)
    )
    extra = sorted(set(tensors) - known - set(ignored))
    if extra:
        raise InteropError(
            f'unexpected tensor {extra[0]} {list(tensors[extra[0]].shape)} ({len(extra)} in all) '
            'that the seqlab model has no parameter for'
        )
    for row in table:
        zeros = (np.broadcast_to(np.float32(0), expected[leaf].shape) for leaf in row.leaves)
        want = list(row.to_hf(*zeros).shape)  # shapes from zero-stride views
        if row.name not in tensors:
            raise InteropError(f'missing tensor {row.name} (shape {want})')
        if list(tensors[row.name].shape) != want:
            raise InteropError(
                f'tensor {row.name} has shape {list(tensors[row.name].shape)}; '
                f'the model needs {want}'
            )
    flat = {}
    for row in table:
        flat.update(zip(row.leaves, row.to_seqlab(tensors[row.name]), strict=True))
    _check_covered(set(expected), set(flat))
    if ignored:
        log.info('ignored %d tensors the seqlab model does not use: %s', len(ignored), ignored)
    return traverse_util.unflatten_dict(flat, sep='/')


def export(table: list[Tensor], params: dict) -> dict[str, np.ndarray]:
    """transformers tensors (float32 numpy) from nested seqlab params in the unscanned layout."""
    flat = {k: np.asarray(v) for k, v in traverse_util.flatten_dict(params, sep='/').items()}
    _check_covered(set(flat), {leaf for row in table for leaf in row.leaves})
    return {row.name: row.to_hf(*(flat[leaf] for leaf in row.leaves)) for row in table}


def _check_covered(parameters: set[str], mapped: set[str]) -> None:
    if parameters != mapped:
        odd = sorted(parameters ^ mapped)
        raise InteropError(f'seqlab parameters and the tensor table differ at {odd[0]} ({odd})')
