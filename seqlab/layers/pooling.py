"""Max and average pooling over 1, 2 or 3 spatial axes.

    max:     y[t] = max_{j < k} x[t * stride + j]
    average: y[t] = (1 / k) sum_{j < k} x[t * stride + j]   (with 'SAME', only real entries count)

x: [B, *spatial, C]; `window` and `stride` are one int or one per spatial axis (stride defaults to
the window, i.e. non-overlapping pooling).
"""

from collections.abc import Sequence
from typing import Literal

import jax
import jax.numpy as jnp
from jax import lax


def _window(x: jax.Array, window, stride, padding) -> tuple[tuple, tuple]:
    ndim = x.ndim - 2
    if ndim not in (1, 2, 3):
        raise ValueError(f'pooling input rank {x.ndim}: expected [B, *spatial, C] with 1-3 axes')
    if padding not in ('SAME', 'VALID'):
        raise ValueError(f"pooling padding={padding!r}; allowed: 'SAME', 'VALID'")
    sizes = (window,) * ndim if isinstance(window, int) else tuple(window)
    steps = sizes if stride is None else (stride,) * ndim if isinstance(stride, int) else stride
    if len(sizes) != ndim or len(steps) != ndim or min(*sizes, *steps) < 1:
        raise ValueError(f'window={window!r}, stride={stride!r}: need {ndim} positive integer(s)')
    return (1, *sizes, 1), (1, *tuple(steps), 1)


def max_pool(
    x: jax.Array,
    window: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: Literal['SAME', 'VALID'] = 'VALID',
) -> jax.Array:
    """Largest value in each window. x: [B, *spatial, C] -> [B, *pooled, C]."""
    dims, strides = _window(x, window, stride, padding)
    return lax.reduce_window(x, -jnp.inf, lax.max, dims, strides, padding)


def avg_pool(
    x: jax.Array,
    window: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: Literal['SAME', 'VALID'] = 'VALID',
) -> jax.Array:
    """Mean of each window (padded entries excluded). x: [B, *spatial, C] -> [B, *pooled, C]."""
    dims, strides = _window(x, window, stride, padding)
    sums = lax.reduce_window(x, 0.0, lax.add, dims, strides, padding)
    counts = lax.reduce_window(jnp.ones_like(x), 0.0, lax.add, dims, strides, padding)
    return sums / counts
