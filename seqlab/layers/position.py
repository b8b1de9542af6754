"""Positional encodings: one-hot, scalar, sinusoidal (with its translation matrix), learned.
An encoding is added to the token vectors (x + E) or appended to them ([x, E], `append`).

Sinusoidal:  E[i, 2j] = sin(i w_j),  E[i, 2j+1] = cos(i w_j),  w_j = base^(-2j / dim).
Each (sin, cos) pair rotates with position, so a shift by p is linear: E[i + p] = E[i] T(p), with
T(p) block-diagonal, blocks [[cos p w_j, -sin p w_j], [sin p w_j, cos p w_j]].
"""

from typing import Literal

import flax.linen as nn
import jax
import jax.numpy as jnp


def onehot(length: int, max_length: int) -> jax.Array:
    """E[i] = e_i, the i-th unit vector. -> [length, max_length]."""
    if not 1 <= length <= max_length:
        raise ValueError(f'onehot length={length} must be in [1, max_length={max_length}]')
    return jnp.eye(length, max_length)


def scalar(length: int, max_length: int) -> jax.Array:
    """E[i] = i / max_length, one number per position in [0, 1). -> [length, 1]."""
    if not 1 <= length <= max_length:
        raise ValueError(f'scalar length={length} must be in [1, max_length={max_length}]')
    return (jnp.arange(length, dtype=jnp.float32) / max_length)[:, None]


def _frequencies(dim: int, base: float) -> jax.Array:
    if dim < 2 or dim % 2:
        raise ValueError(f'sinusoidal dim={dim} must be a positive even number')
    return base ** (-jnp.arange(0, dim, 2, dtype=jnp.float32) / dim)  # w_j, [dim / 2]


def sinusoidal(length: int, dim: int, base: float = 10000.0) -> jax.Array:
    """E[i, 2j] = sin(i / base^(2j/dim)), E[i, 2j+1] = cos(i / base^(2j/dim)). -> [length, dim]."""
    angles = jnp.arange(length, dtype=jnp.float32)[:, None] * _frequencies(dim, base)[None, :]
    return jnp.stack([jnp.sin(angles), jnp.cos(angles)], axis=-1).reshape(length, dim)


def translation_matrix(offset: float, dim: int, base: float = 10000.0) -> jax.Array:
    """T(p) with sinusoidal(.)[i + p] = sinusoidal(.)[i] @ T(p). -> [dim, dim]."""
    angles = offset * _frequencies(dim, base)
    cos, sin = jnp.cos(angles), jnp.sin(angles)
    blocks = jnp.stack([jnp.stack([cos, -sin], -1), jnp.stack([sin, cos], -1)], -2)  # [dim/2, 2, 2]
    return jax.scipy.linalg.block_diag(*blocks)


def interpolate(table: jax.Array, new_length: int) -> jax.Array:
    """Linearly resample a learned table [L, D] along positions to [new_length, D]."""
    if new_length < 1:
        raise ValueError(f'interpolate new_length={new_length} must be >= 1')
    return jax.image.resize(table, (new_length, table.shape[1]), method='linear')


def append(x: jax.Array, table: jax.Array) -> jax.Array:
    """[x_t, E_t] for every example: x [B, T, D], table [T, P] -> [B, T, D + P]."""
    table = jnp.broadcast_to(table.astype(x.dtype), (x.shape[0], *table.shape))
    return jnp.concatenate([x, table], axis=-1)


class LearnedPosition(nn.Module):
    """x + P[:T] with a learned table P [max_length, D] ~ N(0, init_std^2). x: [B, T, D].

    T > max_length: the table is resampled to T when `interpolate` is set, else a ValueError.
    """

    max_length: int
    init_std: float = 0.02
    interpolate: bool = False

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        length, dim = x.shape[1], x.shape[2]
        table = self.param(
            'table', nn.initializers.normal(self.init_std), (self.max_length, dim), jnp.float32
        )
        if length > self.max_length:
            if not self.interpolate:
                raise ValueError(
                    f'sequence length {length} > max_length={self.max_length}; '
                    'set interpolate=True or raise max_length'
                )
            table = interpolate(table, length)
        return x + table[None, :length].astype(x.dtype)


class SinusoidalPosition(nn.Module):
    """Add ('sum': x + E[:T], same D) or append ('concat': [x, E[:T]], D + dim) sinusoids.

    x: [B, T, D]; `dim` is the encoding width for 'concat' (default D).
    """

    mode: Literal['sum', 'concat'] = 'sum'
    dim: int | None = None
    base: float = 10000.0

    def __call__(self, x: jax.Array) -> jax.Array:
        length, width = x.shape[1:]
        if self.mode == 'sum':
            return x + sinusoidal(length, width, self.base).astype(x.dtype)[None]
        if self.mode == 'concat':
            return append(x, sinusoidal(length, self.dim or width, self.base))
        raise ValueError(f"SinusoidalPosition mode={self.mode!r}; allowed: 'sum', 'concat'")
