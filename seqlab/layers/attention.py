"""Attention: Nadaraya–Watson kernel regression, scaled dot-product attention, multi-head attention.

    attention(Q, K, V) = softmax(Q K^T / sqrt(d) + bias, masked) V

Masks are bool with True = may attend, broadcastable to scores [batch, heads, Tq, Tk]. Masked
scores are set to the most negative float32 (not -inf), so a fully masked row gives uniform
weights instead of NaN.
"""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
from jax import lax

from seqlab.layers import attention_backend
from seqlab.layers.chunked_attention import chunked_dot_product_attention
from seqlab.layers.dense import Linear
from seqlab.layers.masks import causal_mask, combine_masks, padding_mask

__all__ = [
    'MultiHeadAttention',
    'attention_weights',
    'causal_mask',
    'chunked_dot_product_attention',
    'combine_masks',
    'dot_product_attention',
    'kernel_regression',
    'padding_mask',
]


def kernel_regression(
    x_query: jax.Array, x_data: jax.Array, y_data: jax.Array, gamma: float
) -> jax.Array:
    """Nadaraya–Watson estimate with a Gaussian kernel.

    f(x) = sum_i alpha_i(x) y_i,  alpha_i(x) = softmax_i(-gamma ||x - x_i||^2).
    x_query: [Q, d] or [Q], x_data: [N, d] or [N], y_data: [N, ...] -> [Q, ...].
    """
    if gamma <= 0:
        raise ValueError(f'kernel_regression gamma={gamma} must be > 0')
    x_query = jnp.atleast_1d(x_query).reshape(len(x_query), -1)
    x_data = jnp.atleast_1d(x_data).reshape(len(x_data), -1)
    squared_distances = jnp.sum((x_query[:, None, :] - x_data[None, :, :]) ** 2, axis=-1)
    weights = jax.nn.softmax(-gamma * squared_distances, axis=-1)  # [Q, N]
    return jnp.tensordot(weights, y_data, axes=1)


def attention_weights(
    queries: jax.Array,
    keys: jax.Array,
    mask: jax.Array | None = None,
    bias: jax.Array | None = None,
    *,
    causal: bool = False,
) -> jax.Array:
    """alpha = softmax(q k^T / sqrt(d) + bias) over keys, in float32 (the products q k^T are
    accumulated in float32 whatever the compute dtype).

    queries: [B, Tq, H, D], keys: [B, Tk, H, D] -> [B, H, Tq, Tk].
    """
    depth = queries.shape[-1]
    scaled = queries / jnp.sqrt(depth).astype(queries.dtype)
    scores = jnp.einsum('bqhd,bkhd->bhqk', scaled, keys, preferred_element_type=jnp.float32)
    if bias is not None:
        scores = scores + bias.astype(jnp.float32)
    if causal:
        q_pos = jnp.arange(queries.shape[1])[:, None]
        mask = combine_masks(mask, jnp.arange(keys.shape[1])[None, :] <= q_pos)
    if mask is not None:
        scores = jnp.where(mask, scores, jnp.finfo(jnp.float32).min)
    return jax.nn.softmax(scores, axis=-1)


def dot_product_attention(
    queries: jax.Array,
    keys: jax.Array,
    values: jax.Array,
    mask: jax.Array | None = None,
    bias: jax.Array | None = None,
    *,
    causal: bool = False,
    dropout_rate: float = 0.0,
    dropout_rng: jax.Array | None = None,
) -> jax.Array:
    """softmax(q k^T / sqrt(d) + bias, masked) v, materialising the scores.

    queries: [B, Tq, H, D], keys/values: [B, Tk, H, D]; mask bool broadcastable to
    [B, H, Tq, Tk] (True = attend); `causal` adds key <= query. -> [B, Tq, H, D].
    Dropout (rate `dropout_rate`, rng `dropout_rng`) is applied to the attention weights.
    """
    weights = attention_weights(queries, keys, mask, bias, causal=causal)
    if dropout_rate > 0.0:
        if dropout_rng is None:
            raise ValueError(f'dropout_rate={dropout_rate} needs a dropout_rng')
        keep = jax.random.bernoulli(dropout_rng, 1.0 - dropout_rate, weights.shape)
        weights = jnp.where(keep, weights / (1.0 - dropout_rate), 0.0)
    out = jnp.einsum(
        'bhqk,bkhd->bqhd', weights.astype(values.dtype), values, preferred_element_type=jnp.float32
    )
    return out.astype(values.dtype)


class MultiHeadAttention(nn.Module):
    """MHA(X_q, X_kv) = concat_h(attention(X_q W_q^h, X_kv W_k^h, X_kv W_v^h)) W_o.

    Self-attention when `inputs_kv` is None, cross-attention otherwise. Projections are 2-D
    matmuls; `fused_qkv` computes Q, K, V with one [d, 3 * qkv_features] matmul (self-attention
    only). `attention` names the backend (`attention_backend.py`: auto, naive, xla, cudnn,
    pallas, chunked); auto is cuDNN's fused kernel where it runs, else naive. `causal` masks keys
    after each query. With `decode=True`, keys and values are kept in the 'cache' collection
    (`cached_key`, `cached_value` [B, max_length, H, D] and `cache_index`): initialise with a
    full-length input, then call with one (or a few) new positions at a time. When the
    'intermediates' collection is mutable, the weights softmax(QK^T / sqrt(d)) are sown there as
    `attention_weights` [B, H, Tq, Tk]; outputs are unchanged.
    inputs_q: [B, Tq, d], inputs_kv: [B, Tk, d_kv] -> [B, Tq, out_features or d].
    """

    num_heads: int
    qkv_features: int | None = None
    out_features: int | None = None
    dropout: float = 0.0
    use_bias: bool = True
    fused_qkv: bool = False
    attention: str = 'auto'
    decode: bool = False
    causal: bool = False
    query_chunk: int = 1024
    key_chunk: int = 1024
    dtype: Any = jnp.float32

    @nn.compact
    def __call__(
        self,
        inputs_q: jax.Array,
        inputs_kv: jax.Array | None = None,
        mask: jax.Array | None = None,
        bias: jax.Array | None = None,
        *,
        train: bool = False,
    ) -> jax.Array:
        features = self.qkv_features or inputs_q.shape[-1]
        if features % self.num_heads:
            raise ValueError(
                f'qkv_features={features} must be divisible by num_heads={self.num_heads}'
            )
        queries, keys, values = self._project(inputs_q, inputs_kv, features)
        causal = self.causal
        if self.decode:
            keys, values, decode_mask = self._update_cache(keys, values)
            if decode_mask is not None:
                mask, causal = combine_masks(mask, decode_mask), False

        dropout_rate = self.dropout if train else 0.0
        backend = attention_backend.choose(
            self.attention,
            dtype=queries.dtype,
            head_dim=queries.shape[-1],
            dropout=dropout_rate > 0.0,
            has_bias=mask is not None or bias is not None,
        )
        if self.is_mutable_collection('intermediates'):  # asked for (figures): [B, H, Tq, Tk]
            weights = attention_weights(queries, keys, mask, bias, causal=causal)
            self.sow('intermediates', 'attention_weights', weights)
        if backend in attention_backend.FUSED:
            attended = attention_backend.fused(
                backend, queries, keys, values, mask, bias, causal=causal
            )
        else:
            options = dict(causal=causal, dropout_rate=dropout_rate)
            if dropout_rate > 0.0:
                options['dropout_rng'] = self.make_rng('dropout')
            if backend == 'chunked':
                attended = chunked_dot_product_attention(
                    queries, keys, values, mask, bias, self.query_chunk, self.key_chunk, **options
                )
            else:
                attended = dot_product_attention(queries, keys, values, mask, bias, **options)
        attended = attended.reshape(*attended.shape[:2], features)
        out = Linear(self.out_features or inputs_q.shape[-1], self.use_bias, self.dtype, name='out')
        return out(attended)

    def _project(self, inputs_q, inputs_kv, features):
        """Q, K, V: [B, T, H, D] each."""
        dense = dict(use_bias=self.use_bias, dtype=self.dtype)
        if self.fused_qkv:
            if inputs_kv is not None:
                raise ValueError('fused_qkv=True is for self-attention; got inputs_kv')
            qkv = Linear(3 * features, name='qkv', **dense)(inputs_q)
            projections = jnp.split(qkv, 3, axis=-1)
        else:
            inputs_kv = inputs_q if inputs_kv is None else inputs_kv
            projections = [
                Linear(features, name='query', **dense)(inputs_q),
                Linear(features, name='key', **dense)(inputs_kv),
                Linear(features, name='value', **dense)(inputs_kv),
            ]
        head_dim = features // self.num_heads
        return [p.reshape(*p.shape[:2], self.num_heads, head_dim) for p in projections]

    def _update_cache(self, keys, values):
        """Write the new keys/values at cache_index; mask = key position <= query position."""
        initialised = self.has_variable('cache', 'cached_key')
        cached_key = self.variable('cache', 'cached_key', jnp.zeros, keys.shape, keys.dtype)
        cached_value = self.variable('cache', 'cached_value', jnp.zeros, values.shape, values.dtype)
        cache_index = self.variable('cache', 'cache_index', lambda: jnp.array(0, jnp.int32))
        if not initialised:  # the init call: attend over the full input as usual
            return keys, values, None
        steps, max_length = keys.shape[1], cached_key.value.shape[1]
        start = cache_index.value
        cached_key.value = lax.dynamic_update_slice(cached_key.value, keys, (0, start, 0, 0))
        cached_value.value = lax.dynamic_update_slice(cached_value.value, values, (0, start, 0, 0))
        cache_index.value = start + steps
        q_pos = start + jnp.arange(steps)[:, None]
        decode_mask = jnp.arange(max_length)[None, :] <= q_pos  # [steps, max_length]
        return cached_key.value, cached_value.value, decode_mask
