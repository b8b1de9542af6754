"""The sinusoidal positional-encoding matrix E and the dot-product similarity E E^T between
positions: a band along the diagonal, since E[i] . E[j] = Σ_j cos((i - j) w_j) depends on i - j."""

import numpy as np

from seqlab.figures.common import figure, pixels, save
from seqlab.layers.position import sinusoidal

PANEL = (4.0, 3.5)


def size() -> tuple[int, int]:
    return pixels(1, 2, PANEL)


def plot_positional_encoding(length: int, dim: int, path: str, base: float = 10000.0) -> str:
    """Left: E [length, dim] (positions down, dimensions across); right: E E^T [length, length]."""
    encoding = np.asarray(sinusoidal(length, dim, base))
    fig = figure(1, 2, PANEL)
    left, right = fig.axes
    image = left.imshow(encoding, aspect='auto', cmap='RdBu', vmin=-1, vmax=1)
    left.set(title=f'sinusoidal E ({length} x {dim})', xlabel='dimension', ylabel='position')
    fig.colorbar(image, ax=left)
    image = right.imshow(encoding @ encoding.T, cmap='viridis')
    right.set(title='E E^T (dot product)', xlabel='position', ylabel='position')
    fig.colorbar(image, ax=right)
    return save(fig, path)
