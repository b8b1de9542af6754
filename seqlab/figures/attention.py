"""Attention maps of a trained transformer for one input: one panel per (layer, head).

The weights come from the 'intermediates' collection, where `MultiHeadAttention` sows
softmax(Q K^T / sqrt(d)) when it is mutable; the model's outputs are unchanged.
"""

import re
from typing import Any

import jax
import numpy as np

from seqlab.figures.common import figure, pixels, save
from seqlab.layers.transformer import unstack_blocks

PANEL = (2.0, 2.0)


def attention_weights(model: Any, params: Any, inputs: tuple) -> list[tuple[str, np.ndarray]]:
    """(module path, weights [H, Tq, Tk]) per attention layer for the first example, in layer
    order. Sown values do not leave nn.scan, so a scanned stack is applied unscanned."""
    model, params = unscanned(model, params)
    _, state = model.apply({'params': params}, *inputs, train=False, mutable=['intermediates'])
    found = sorted(_find(state.get('intermediates', {}), ()), key=_natural)
    return [(path, np.asarray(weights[0], np.float32)) for path, sown in found for weights in sown]


def unscanned(model: Any, params: Any) -> tuple[Any, Any]:
    """A model with `scan=True` as `scan=False`, its stacked 'blocks' split into 'blocks_<i>'."""
    if not getattr(model, 'scan', False):
        return model, params
    return model.clone(scan=False), _unstack(params)


def _unstack(tree: Any) -> Any:
    if not hasattr(tree, 'items'):
        return tree
    tree = {key: _unstack(value) for key, value in tree.items()}
    if 'blocks' in tree:
        tree = unstack_blocks(tree, jax.tree.leaves(tree['blocks'])[0].shape[0])
    return tree


def _find(tree: Any, path: tuple) -> list[tuple[str, tuple]]:
    found = []
    for key, value in tree.items():
        if key == 'attention_weights':
            found.append(('/'.join(path), value))
        elif hasattr(value, 'items'):
            found += _find(value, (*path, key))
    return found


def _natural(item: tuple[str, Any]) -> list:
    """blocks_2 before blocks_10."""
    return [int(part) if part.isdigit() else part for part in re.split(r'(\d+)', item[0])]


def size(num_layers: int, num_heads: int) -> tuple[int, int]:
    return pixels(num_layers, num_heads, PANEL)


def plot_attention(layers: list[tuple[str, np.ndarray]], path: str) -> str:
    """layers: (name, weights [H, Tq, Tk]) -> a grid of layers x heads; rows are queries."""
    if not layers:
        raise ValueError('no attention weights to plot')
    heads = max(w.shape[0] for _, w in layers)
    fig = figure(len(layers), heads, PANEL)
    axes = np.asarray(fig.axes).reshape(len(layers), heads)
    for row, (name, weights) in enumerate(layers):
        for head in range(heads):
            ax = axes[row, head]
            ax.set_xticks([])
            ax.set_yticks([])
            if head >= weights.shape[0]:
                ax.set_visible(False)
                continue
            ax.imshow(weights[head], cmap='viridis', vmin=0.0, interpolation='nearest')
            ax.set_title(f'head {head}', fontsize='small')
        axes[row, 0].set_ylabel(name, fontsize='x-small')
    return save(fig, path)
