"""Layer layout of a state tree — scanned (`nn.scan`) or unscanned stacks — and conversion.

A scanned stack keeps L layers in one subtree `blocks` whose leaves carry a leading layer axis,
W: [L, ...]; an unscanned stack keeps subtrees `blocks_0` ... `blocks_{L-1}` with W_i: [...].
The two hold the same numbers: unstack(W)_i = W[i] and stack(W_0, ..., W_{L-1})[i] = W_i.

`of(shapes)` names every stack by the path of the dict that holds it, e.g.
{'params/encoder': {'scanned': True, 'layers': 6}, 'opt_state/1/0/mu/encoder': {...}};
`convert(tree, layout)` stacks or unstacks each of those dicts into the wanted layout.
Paths are those of `jax.tree_util.keystr(path, simple=True, separator='/')`.
"""

import dataclasses
import functools
import re
from typing import Any

import jax
import jax.numpy as jnp
from jax.sharding import NamedSharding, PartitionSpec

SCANNED = 'blocks'
_UNSCANNED = re.compile(rf'{SCANNED}_(\d+)')

Layout = dict[str, dict[str, Any]]


def of(shapes: dict[str, list[int]]) -> Layout:
    """{dict path: {'scanned': bool, 'layers': L}} for every layer stack in `shapes`.

    shapes: {leaf path: shape}, as `checkpoint.shapes` writes it.
    """
    stacks: Layout = {}
    for path, shape in shapes.items():
        parts = path.split('/')
        for depth, part in enumerate(parts[:-1]):
            holder = '/'.join(parts[:depth])
            if part == SCANNED:
                stacks[holder] = {'scanned': True, 'layers': int(shape[0])}
            elif match := _UNSCANNED.fullmatch(part):
                entry = stacks.setdefault(holder, {'scanned': False, 'layers': 0})
                entry['layers'] = max(entry['layers'], int(match[1]) + 1)
    return stacks


def mismatch(saved: Layout, wanted: Layout) -> str | None:
    """Why `saved` cannot convert to `wanted` (a stack with another layer count), or None."""
    for path in sorted(set(saved) & set(wanted), key=lambda p: (not p.startswith('params'), p)):
        if saved[path]['layers'] != wanted[path]['layers']:
            return (
                f'{path} has {saved[path]["layers"]} {_word(saved[path])} layers in the '
                f'checkpoint and {wanted[path]["layers"]} {_word(wanted[path])} layers in the model'
            )
    return None


def describe(saved: Layout, wanted: Layout) -> str:
    """'params/encoder: scanned -> unscanned, ...' for the stacks whose layout differs."""
    return ', '.join(
        f'{path}: {_word(saved[path])} -> {_word(wanted[path])}'
        for path in sorted(set(saved) & set(wanted))
        if saved[path]['scanned'] != wanted[path]['scanned']
    )


def _word(entry: dict) -> str:
    return 'scanned' if entry['scanned'] else 'unscanned'


def convert(tree: Any, layout: Layout) -> Any:
    """`tree` with every stack named in `layout` stacked or unstacked to that layout.

    Walks dicts, tuples, lists, namedtuples (optax states) and flax struct dataclasses
    (TrainState); other leaves are kept. Works on arrays and, under `jax.eval_shape`, on shapes.
    """
    return _walk(tree, '', layout)


def abstract_in(abstract_state: Any, layout: Layout) -> Any:
    """Shapes of `abstract_state` converted to `layout`, replicated on the same mesh (for reading
    a checkpoint in its saved layout before converting it)."""
    converted = jax.eval_shape(functools.partial(convert, layout=layout), abstract_state)
    sharding = jax.tree.leaves(abstract_state)[0].sharding
    if isinstance(sharding, NamedSharding):
        sharding = NamedSharding(sharding.mesh, PartitionSpec())
    return jax.tree.map(
        lambda leaf: jax.ShapeDtypeStruct(leaf.shape, leaf.dtype, sharding=sharding), converted
    )


def _walk(node: Any, path: str, layout: Layout) -> Any:
    def child(key: Any) -> str:
        return f'{path}/{key}' if path else str(key)

    if isinstance(node, dict):
        node = {key: _walk(value, child(key), layout) for key, value in node.items()}
        wanted = layout.get(path)
        if wanted and wanted['scanned'] and f'{SCANNED}_0' in node:
            return _stack(node, wanted['layers'])
        if wanted and not wanted['scanned'] and SCANNED in node:
            return _unstack(node, wanted['layers'])
        return node
    if isinstance(node, tuple) and hasattr(node, '_fields'):
        return type(node)(
            *(
                _walk(value, child(name), layout)
                for name, value in zip(node._fields, node, strict=True)
            )
        )
    if isinstance(node, (tuple, list)):
        return type(node)(_walk(value, child(i), layout) for i, value in enumerate(node))
    if dataclasses.is_dataclass(node) and hasattr(node, 'replace'):
        fields = [f.name for f in dataclasses.fields(node) if f.metadata.get('pytree_node', True)]
        return node.replace(
            **{name: _walk(getattr(node, name), child(name), layout) for name in fields}
        )
    return node


def _stack(node: dict, layers: int) -> dict:
    names = [f'{SCANNED}_{i}' for i in range(layers)]
    out = {key: value for key, value in node.items() if not _UNSCANNED.fullmatch(key)}
    out[SCANNED] = jax.tree.map(lambda *leaves: jnp.stack(leaves), *(node[n] for n in names))
    return out


def _unstack(node: dict, layers: int) -> dict:
    out = {key: value for key, value in node.items() if key != SCANNED}
    for i in range(layers):
        out[f'{SCANNED}_{i}'] = jax.tree.map(lambda leaf, i=i: leaf[i], node[SCANNED])
    return out
