"""Token encoders: one-hot vectors, bag-of-words counts, learned embedding tables.

one_hot(w) = e_w in R^V,   bag_of_words(w_1..w_T) = sum_t e_{w_t},   embed(w) = E[w] = e_w E
"""

import flax.linen as nn
import jax
import jax.numpy as jnp


def _check_vocab(vocab_size: int) -> None:
    if vocab_size < 1:
        raise ValueError(f'vocab_size={vocab_size} must be >= 1')


def one_hot(tokens: jax.Array, vocab_size: int) -> jax.Array:
    """e_w for each token id. tokens: [...] int -> [..., vocab_size] float32."""
    _check_vocab(vocab_size)
    return jax.nn.one_hot(tokens, vocab_size, dtype=jnp.float32)


def bag_of_words(
    tokens: jax.Array,
    vocab_size: int,
    mask: jax.Array | None = None,
    normalize: bool = False,
) -> jax.Array:
    """Counts sum_t m_t e_{w_t} (divided by sum_t m_t when `normalize`).

    tokens: [B, T] int, mask: [B, T] bool (True = real token) -> [B, vocab_size].
    """
    weights = jnp.ones(tokens.shape, jnp.float32) if mask is None else mask.astype(jnp.float32)
    counts = jnp.einsum('bt,btv->bv', weights, one_hot(tokens, vocab_size))
    if normalize:
        counts = counts / jnp.maximum(weights.sum(-1, keepdims=True), 1.0)
    return counts


class TokenEmbedding(nn.Module):
    """E[w] from a learned table E [vocab_size, features] ~ N(0, init_std^2).

    __call__: tokens [...] int -> [..., features]; `attend`: x [..., features] -> logits
    x E^T [..., vocab_size] (weights tied with the output layer).
    """

    vocab_size: int
    features: int
    init_std: float = 0.02

    def setup(self):
        _check_vocab(self.vocab_size)
        self.table = self.param(
            'table', nn.initializers.normal(self.init_std), (self.vocab_size, self.features)
        )

    def __call__(self, tokens: jax.Array) -> jax.Array:
        if not jnp.issubdtype(tokens.dtype, jnp.integer):
            raise ValueError(f'TokenEmbedding needs integer token ids, got dtype {tokens.dtype}')
        return jnp.take(self.table, tokens, axis=0)

    def attend(self, x: jax.Array) -> jax.Array:
        return x @ self.table.T.astype(x.dtype)
