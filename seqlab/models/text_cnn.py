"""Text CNN (Kim 2014): embeddings -> 1-D convolutions -> masked global max pool -> classifier.

h^0 = m ⊙ E[w],  h^l = m ⊙ relu(conv_k(h^{l-1})) for every kernel width k (branches
concatenated),  z = max_{t: m_t} h^L_t,  logits = z W + b,  with m_t = (w_t != pad_id).
Padding positions are zero before every convolution, exactly like the zero padding of 'SAME', so
a padded sequence gives the same logits as the unpadded one.
tokens: int32 [batch, length] -> logits [batch, num_classes].
"""

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from seqlab.layers.conv import Conv
from seqlab.layers.embed import TokenEmbedding
from seqlab.models import checks


def masked_max(x: jax.Array, mask: jax.Array) -> jax.Array:
    """max over real positions t (mask [B, T] True); all-padding rows give 0. x: [B, T, D]."""
    pooled = jnp.where(mask[..., None], x, -jnp.inf).max(axis=1)
    return jnp.where(mask.any(axis=1, keepdims=True), pooled, 0.0)


class TextCNN(nn.Module):
    num_classes: int
    vocab_size: int
    width: int = 128
    features: int = 128
    kernel_sizes: Sequence[int] = (3, 4, 5)
    depth: int = 1
    dropout: float = 0.0
    pad_id: int = 0
    dtype: str = 'float32'  # compute dtype; parameters, normalisation statistics and logits float32

    @classmethod
    def check(cls, kwargs: dict, input_shape: tuple) -> None:
        """Positive width, features and kernel sizes; depth >= 0 (0: max over the embeddings)."""
        model = checks.settings(cls, kwargs)
        for key in ('width', 'features'):
            checks.int_at_least(model, key, 1)
        checks.int_at_least(model, 'depth', 0)
        checks.positive_ints(model, 'kernel_sizes')

    @nn.compact
    def __call__(self, tokens: jax.Array, *, train: bool = False) -> jax.Array:
        mask = tokens != self.pad_id
        keep = mask[..., None].astype(jnp.dtype(self.dtype))
        embedded = TokenEmbedding(self.vocab_size, self.width, name='embedding')(tokens)
        embedded = embedded.astype(keep.dtype) * keep
        branches = []
        for k in self.kernel_sizes:
            h = embedded
            for layer in range(self.depth):
                h = nn.relu(Conv(self.features, (k,), name=f'conv{k}_{layer}')(h)) * keep
            branches.append(masked_max(h, mask))
        z = nn.Dropout(self.dropout)(jnp.concatenate(branches, -1), deterministic=not train)
        return nn.Dense(self.num_classes, name='head')(z.astype(jnp.float32))
