"""What every figure shares: a fixed-size matplotlib Figure (no pyplot, no GUI) saved as PNG.

A figure of `rows` x `cols` panels of `panel` inches at DPI dots per inch is exactly
(cols * panel[0] * DPI) x (rows * panel[1] * DPI) pixels, whatever it shows.
"""

import os

from matplotlib.figure import Figure

DPI = 100


def figure(rows: int, cols: int, panel: tuple[float, float] = (3.0, 2.5)) -> Figure:
    """A Figure of rows x cols panels (axes in `fig.axes`, row-major)."""
    fig = Figure(figsize=(cols * panel[0], rows * panel[1]), dpi=DPI, layout='constrained')
    fig.subplots(rows, cols, squeeze=False)
    return fig


def pixels(rows: int, cols: int, panel: tuple[float, float] = (3.0, 2.5)) -> tuple[int, int]:
    """(width, height) in pixels of `figure(rows, cols, panel)`."""
    return round(cols * panel[0] * DPI), round(rows * panel[1] * DPI)


def save(fig: Figure, path: str) -> str:
    """Write `fig` as PNG at `path` (directories made); returns the path."""
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    fig.savefig(path, format='png', dpi=DPI)
    return path
