"""Recurrent sequence classifier: LSTM / GRU layers, uni- or bidirectional, then a linear head.

    h_t^(l) = cell(h_{t-1}^(l), h_t^(l-1)),  h_t^(0) = x_t           l = 1 .. layers
    pool 'last': z = h_T (bidirectional: [forward h_T; backward h_1]);  'mean': z = mean_t h_t
    logits = W z + b
Train with gradient clipping (config.optim.clip_norm): the lecture's remedy for exploding
gradients through time. sequences [B, T] or [B, T, C] float -> logits [B, num_classes].
"""

import flax.linen as nn
import jax
import jax.numpy as jnp

from seqlab.layers.recurrent import CELLS, Recurrent
from seqlab.models import checks

POOLS = ('last', 'mean')


def last_state(final_state, bidirectional: bool) -> jax.Array:
    """The hidden state h_T from a cell's final carry ((c, h) for LSTMs, h for GRU)."""
    if bidirectional:
        return jnp.concatenate([last_state(part, False) for part in final_state], axis=-1)
    return final_state[1] if isinstance(final_state, tuple) else final_state


class RNNClassifier(nn.Module):
    num_classes: int
    cell: str = 'lstm'
    hidden_size: int = 64
    layers: int = 1
    bidirectional: bool = False
    pool: str = 'last'
    dtype: str = 'float32'

    @classmethod
    def check(cls, kwargs: dict, input_shape: tuple) -> None:
        """A known cell and pooling."""
        model = checks.settings(cls, kwargs)
        checks.one_of(model, 'cell', CELLS)
        checks.one_of(model, 'pool', POOLS)

    @nn.compact
    def __call__(self, sequences: jax.Array, *, train: bool = False) -> jax.Array:
        x = sequences[..., None] if sequences.ndim == 2 else sequences
        x = x.astype(jnp.dtype(self.dtype))
        for layer in range(self.layers):
            recurrent = Recurrent(
                self.hidden_size,
                self.cell,
                self.bidirectional,
                dtype=jnp.dtype(self.dtype),
                name=f'recurrent_{layer}',
            )
            x, final_state = recurrent(x)
        z = last_state(final_state, self.bidirectional) if self.pool == 'last' else x.mean(axis=1)
        return nn.Dense(self.num_classes, name='head')(z.astype(jnp.float32))
