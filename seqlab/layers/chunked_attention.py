"""Memory-efficient attention: online softmax over key chunks (Rabe & Staats 2021; FlashAttention).

For each query chunk, key chunks are visited in turn with a running maximum m, normaliser l and
accumulator a:

    m' = max(m, max_k s_k),  l' = l e^(m - m') + sum_k e^(s_k - m'),
    a' = a e^(m - m') + sum_k e^(s_k - m') v_k,   output = a / l.

Only a [query_chunk, key_chunk] block of scores exists at a time, and each block is recomputed in
the backward pass (jax.checkpoint), so memory is O(T * chunk) instead of O(T^2).
"""

import math

import jax
import jax.numpy as jnp
from jax import lax


def _as_rank4(array: jax.Array | None, name: str) -> jax.Array | None:
    if array is None:
        return None
    if array.ndim > 4:
        raise ValueError(f'{name} has rank {array.ndim}; it must broadcast to [B, H, Tq, Tk]')
    return array.reshape((1,) * (4 - array.ndim) + array.shape)


def _pad_axis(array: jax.Array, axis: int, length: int, value) -> jax.Array:
    """Pad `axis` at the end to `length` (axes of size 1 are broadcast and left alone)."""
    if array.shape[axis] in (1, length):
        return array
    widths = [(0, 0)] * array.ndim
    widths[axis] = (0, length - array.shape[axis])
    return jnp.pad(array, widths, constant_values=value)


def _block(array: jax.Array | None, q_start, k_start, q_size: int, k_size: int):
    """The [.., q_size, k_size] block of a rank-4 mask or bias (size-1 axes broadcast)."""
    if array is None:
        return None
    if array.shape[2] != 1:
        array = lax.dynamic_slice_in_dim(array, q_start, q_size, axis=2)
    if array.shape[3] != 1:
        array = lax.dynamic_slice_in_dim(array, k_start, k_size, axis=3)
    return array


def chunked_dot_product_attention(
    queries: jax.Array,
    keys: jax.Array,
    values: jax.Array,
    mask: jax.Array | None = None,
    bias: jax.Array | None = None,
    query_chunk: int = 1024,
    key_chunk: int = 1024,
    *,
    causal: bool = False,
    dropout_rate: float = 0.0,
    dropout_rng: jax.Array | None = None,
) -> jax.Array:
    """softmax(q k^T / sqrt(d) + bias, masked) v without materialising the [Tq, Tk] score matrix.

    queries: [B, Tq, H, D], keys/values: [B, Tk, H, D]; mask (bool, True = attend) and bias
    broadcast to [B, H, Tq, Tk]; `causal` adds key <= query without building a mask.
    Returns [B, Tq, H, D], equal to `dot_product_attention` up to float rounding. Dropout on the
    weights draws its own per-block randomness (not the same pattern as the naive path).
    """
    if query_chunk < 1 or key_chunk < 1:
        raise ValueError(f'query_chunk={query_chunk}, key_chunk={key_chunk}: both must be >= 1')
    if dropout_rate > 0.0 and dropout_rng is None:
        raise ValueError(f'dropout_rate={dropout_rate} needs a dropout_rng')
    batch, q_len, heads, depth = queries.shape
    k_len = keys.shape[1]
    q_size, k_size = min(query_chunk, q_len), min(key_chunk, k_len)
    num_q, num_k = math.ceil(q_len / q_size), math.ceil(k_len / k_size)
    q_pad, k_pad = num_q * q_size, num_k * k_size

    queries = _pad_axis(queries / jnp.sqrt(depth).astype(queries.dtype), 1, q_pad, 0)
    keys, values = _pad_axis(keys, 1, k_pad, 0), _pad_axis(values, 1, k_pad, 0)
    mask = _as_rank4(mask, 'mask')
    bias = _as_rank4(bias, 'bias')
    if mask is not None:
        mask = _pad_axis(_pad_axis(mask, 2, q_pad, False), 3, k_pad, False)
    if bias is not None:
        bias = _pad_axis(_pad_axis(bias, 2, q_pad, 0), 3, k_pad, 0)
    masked_score = jnp.finfo(jnp.float32).min  # as in the naive path: fully masked rows -> uniform

    def key_step(q_start, q_block, carry, k_index):
        running_max, normaliser, accumulator = carry
        k_start = k_index * k_size
        k_block = lax.dynamic_slice_in_dim(keys, k_start, k_size, axis=1)
        v_block = lax.dynamic_slice_in_dim(values, k_start, k_size, axis=1)
        scores = jnp.einsum('bqhd,bkhd->bhqk', q_block, k_block, preferred_element_type=jnp.float32)
        bias_block = _block(bias, q_start, k_start, q_size, k_size)
        if bias_block is not None:
            scores = scores + bias_block.astype(jnp.float32)
        q_pos = q_start + jnp.arange(q_size)[:, None]
        k_pos = k_start + jnp.arange(k_size)[None, :]
        allowed = _block(mask, q_start, k_start, q_size, k_size)
        if causal:
            allowed = k_pos <= q_pos if allowed is None else allowed & (k_pos <= q_pos)
        if allowed is not None:
            scores = jnp.where(allowed, scores, masked_score)
        scores = jnp.where(k_pos < k_len, scores, -jnp.inf)  # padding keys do not exist
        new_max = lax.stop_gradient(jnp.maximum(running_max, scores.max(-1)))
        correction = jnp.exp(running_max - new_max)
        weights = jnp.exp(scores - new_max[..., None])
        normaliser = normaliser * correction + weights.sum(-1)
        if dropout_rate > 0.0:
            block_rng = jax.random.fold_in(jax.random.fold_in(dropout_rng, q_start), k_index)
            keep = jax.random.bernoulli(block_rng, 1.0 - dropout_rate, weights.shape)
            weights = jnp.where(keep, weights / (1.0 - dropout_rate), 0.0)
        update = jnp.einsum(
            'bhqk,bkhd->bhqd',
            weights.astype(v_block.dtype),
            v_block,
            preferred_element_type=jnp.float32,
        )
        accumulator = accumulator * correction[..., None] + update
        return (new_max, normaliser, accumulator), None

    @jax.checkpoint
    def query_step(q_index):
        q_start = q_index * q_size
        q_block = lax.dynamic_slice_in_dim(queries, q_start, q_size, axis=1)
        init = (
            jnp.full((batch, heads, q_size), -jnp.inf, jnp.float32),
            jnp.zeros((batch, heads, q_size), jnp.float32),
            jnp.zeros((batch, heads, q_size, depth), jnp.float32),
        )
        step = jax.checkpoint(lambda carry, k: key_step(q_start, q_block, carry, k))
        (_, normaliser, accumulator), _ = lax.scan(step, init, jnp.arange(num_k))
        return (accumulator / normaliser[..., None]).astype(values.dtype)  # [B, H, q_size, D]

    blocks = lax.map(query_step, jnp.arange(num_q))  # [num_q, B, H, q_size, D]
    out = blocks.transpose(1, 0, 3, 2, 4).reshape(batch, q_pad, heads, depth)
    return out[:, :q_len]
