"""Attention masks. True means "may attend"; masks broadcast to scores [batch, heads, Tq, Tk]."""

import jax
import jax.numpy as jnp


def causal_mask(length: int) -> jax.Array:
    """M[i, j] = (j <= i): query i sees keys up to itself. -> [length, length] bool."""
    if length < 1:
        raise ValueError(f'causal_mask length={length} must be >= 1')
    positions = jnp.arange(length)
    return positions[None, :] <= positions[:, None]


def padding_mask(lengths: jax.Array, max_length: int) -> jax.Array:
    """M[b, t] = (t < lengths[b]) (True = real token). lengths: [batch] -> [batch, max_length] bool.

    For attention over keys use `padding_mask(...)[:, None, None, :]` ([batch, 1, 1, Tk]).
    """
    if max_length < 1:
        raise ValueError(f'padding_mask max_length={max_length} must be >= 1')
    return jnp.arange(max_length)[None, :] < jnp.asarray(lengths)[:, None]


def combine_masks(*masks: jax.Array | None) -> jax.Array | None:
    """Logical AND of the given masks (None entries are skipped; all None gives None)."""
    present = [m for m in masks if m is not None]
    if not present:
        return None
    combined = present[0]
    for mask in present[1:]:
        combined = jnp.logical_and(combined, mask)
    return combined
