"""The receptive field of a stack of dilated 1-D convolutions drawn over its input.

Output position t of layer l reads positions t - j d_l (causal) or t + (j - (k-1)/2) d_l (centred),
j = 0..k-1, of layer l - 1; following these edges down from one output covers
r = 1 + (k - 1) Σ_l d_l input positions (seqlab.layers.conv.dilated_receptive_field).
"""

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
from matplotlib.collections import LineCollection

from seqlab.figures.common import figure, pixels, save

PANEL = (8.0, 2.5)
MAX_DOTS = 4096  # draw every node up to this many; beyond, edges only


@runtime_checkable
class DilatedStack(Protocol):
    """A model whose input goes through stride-1 convolutions of width `kernel_size` with
    `dilations`, in order; `receptive_field` (input positions one output sees) equals
    1 + (kernel_size - 1) Σ dilations when nothing else (strides, pooling) widens it."""

    kernel_size: int
    dilations: Sequence[int]
    receptive_field: int


def size() -> tuple[int, int]:
    return pixels(2, 1, PANEL)


def taps(kernel_size: int, dilation: int, causal: bool) -> list[int]:
    """Offsets (in positions of the layer below) that one output reads."""
    if causal:
        return [-j * dilation for j in range(kernel_size)]
    half = (kernel_size - 1) // 2
    return [(j - half) * dilation for j in range(kernel_size)]


def reached(kernel_size: int, dilations: list[int], causal: bool = True) -> list[set[int]]:
    """Positions (relative to the output at 0) reached at each layer, input (index 0) first."""
    layers = [{0}]
    for dilation in reversed(dilations):
        offsets = taps(kernel_size, dilation, causal)
        layers.append({p + o for p in layers[-1] for o in offsets})
    return layers[::-1]


def plot_receptive_field(
    kernel_size: int, dilations: list[int], signal: np.ndarray, path: str, causal: bool = True
) -> str:
    """Top: the tree of one output over layers (input at the bottom); bottom: `signal` (the
    stack's input, its last positions aligned with the output) with the receptive field shaded."""
    layers = reached(kernel_size, list(dilations), causal)
    span = min(layers[0]), max(layers[0])
    width = span[1] - span[0] + 1
    fig = figure(2, 1, PANEL)
    tree, below = fig.axes
    edges = []
    for level, dilation in enumerate(dilations, start=1):
        offsets = taps(kernel_size, dilation, causal)
        edges += [[(p + o, level - 1), (p, level)] for p in layers[level] for o in offsets]
    tree.add_collection(LineCollection(edges, linewidths=0.5, colors='tab:blue', alpha=0.5))
    if width * (len(dilations) + 1) <= MAX_DOTS:
        for level, positions in enumerate(layers):
            tree.plot(sorted(positions), [level] * len(positions), '.', color='tab:blue', ms=3)
    tree.set(
        xlim=(span[0] - 1, span[1] + 1),
        ylim=(-0.5, len(dilations) + 0.5),
        ylabel='layer',
        title=f'receptive field {width} (kernel {kernel_size}, dilations {list(dilations)})',
    )
    shown = np.asarray(signal, np.float32).reshape(-1)[-width:]
    below.plot(np.arange(span[1] - len(shown) + 1, span[1] + 1), shown, linewidth=0.6)
    below.axvspan(span[0] - 0.5, span[1] + 0.5, color='tab:orange', alpha=0.2)
    below.set(xlim=(span[0] - 1, span[1] + 1), xlabel='input position (output at 0)')
    return save(fig, path)
