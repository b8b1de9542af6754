"""µ-law companding and quantisation of waveforms (WaveNet's 8-bit audio), in JAX."""

import functools
import math

import jax
import jax.numpy as jnp


@functools.partial(jax.jit, static_argnames='channels')
def mu_law_encode(x: jax.Array, channels: int = 256) -> jax.Array:
    """µ-law companding, then uniform quantisation to classes 0..channels-1 (WaveNet).

    f = sign(x) ln(1 + µ|x|) / ln(1 + µ),  q = round((f + 1) / 2 * µ),  µ = channels - 1,
    for x in [-1, 1] (clipped).

    Returns int32 with x's shape.
    """
    if channels < 2:
        raise ValueError(f'channels={channels} must be at least 2')
    mu = channels - 1
    x = jnp.clip(jnp.asarray(x, jnp.float32), -1.0, 1.0)
    companded = jnp.sign(x) * jnp.log1p(mu * jnp.abs(x)) / math.log1p(mu)
    return jnp.floor((companded + 1.0) / 2.0 * mu + 0.5).astype(jnp.int32)


@functools.partial(jax.jit, static_argnames='channels')
def mu_law_decode(q: jax.Array, channels: int = 256) -> jax.Array:
    """Inverse of `mu_law_encode`: f = 2q / µ - 1, x = sign(f) ((1 + µ)^|f| - 1) / µ. float32."""
    if channels < 2:
        raise ValueError(f'channels={channels} must be at least 2')
    mu = channels - 1
    companded = 2.0 * jnp.asarray(q, jnp.float32) / mu - 1.0
    return jnp.sign(companded) * jnp.expm1(jnp.abs(companded) * math.log1p(mu)) / mu
