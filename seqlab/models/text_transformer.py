"""Transformer encoder text classifier: token embeddings + positions -> encoder -> pool -> head.

x = [cls;] E[w] + P  ->  L blocks (pre-LN by default; keys masked where w = pad_id)  ->  x_cls or
sum_t m_t x_t / sum_t m_t  ->  W_head.  P is learned (a [max_length, D] table, resampled to longer
inputs only with `interpolate`), sinusoidal, or none. Appended encodings ('onehot': e_t of size
max_length, 'scalar': t / max_length, 'sinusoidal_concat': position_dim sinusoids) take their dims
from the width: x = [E[w], P] with E[w] of width - dim(P), so the encoder's width stays `width`.
tokens: int32 [batch, length] -> logits float32 [batch, num_classes]; `dtype` is the encoder's
compute dtype (parameters stay float32).
"""

import flax.linen as nn
import jax
import jax.numpy as jnp

from seqlab.config import ConfigError
from seqlab.layers.embed import TokenEmbedding
from seqlab.layers.position import LearnedPosition, SinusoidalPosition, append, onehot, scalar
from seqlab.layers.transformer import ClassToken, Encoder, mean_pool
from seqlab.models import checks
from seqlab.models.transformer_model import TransformerModel, check_blocks

POOLS = ('cls', 'mean')
POSITIONS = ('learned', 'sinusoidal', 'none', 'onehot', 'scalar', 'sinusoidal_concat')
TABLES = ('learned', 'onehot', 'scalar')  # encodings defined only up to max_length


def appended_dims(position: str, max_length: int, position_dim: int) -> int:
    """How many of the model's width the position takes when appended (0 when added or none)."""
    return {'onehot': max_length, 'scalar': 1, 'sinusoidal_concat': position_dim}.get(position, 0)


class TextTransformer(TransformerModel):
    """The block settings (dropout, attention, norm, scan, remat, dtype, ...) are TransformerModel's."""

    num_classes: int
    vocab_size: int
    width: int = 128
    depth: int = 4
    heads: int = 4
    mlp_dim: int = 256
    max_length: int = 64
    pool: str = 'cls'
    position: str = 'learned'
    interpolate: bool = False
    position_dim: int = 16
    pad_id: int = 0

    @classmethod
    def check(cls, kwargs: dict, input_shape: tuple) -> None:
        """Known pooling, positions and norm placement; the data's length must fit a position table; an
        appended position must leave the tokens some of the width."""
        model = checks.settings(cls, kwargs)
        checks.one_of(model, 'pool', POOLS)
        checks.one_of(model, 'position', POSITIONS)
        check_blocks(model)
        learned = model.position == 'learned'
        if model.position in TABLES and not (learned and model.interpolate):
            checks.max_length_fits(
                model.max_length,
                {'max_length': input_shape[0]},
                ', or interpolate=True' if learned else '',
            )
        dims = appended_dims(model.position, model.max_length, model.position_dim)
        if dims >= model.width:
            raise ConfigError(
                f'config.model.kwargs.position={model.position!r} appends {dims} dims to a width '
                f'of {model.width}; allowed: width > {dims}'
            )

    @nn.compact
    def __call__(self, tokens: jax.Array, *, train: bool = False) -> jax.Array:
        mask = tokens != self.pad_id
        dims = appended_dims(self.position, self.max_length, self.position_dim)
        x = TokenEmbedding(self.vocab_size, self.width - dims, name='embedding')(tokens)
        x = self.add_position(x)
        if self.pool == 'cls':
            x = ClassToken(name='cls')(x)
            mask = jnp.concatenate([jnp.ones_like(mask[:, :1]), mask], axis=1)
        x = nn.Dropout(self.dropout)(x, deterministic=not train)
        encoder = self.block_stack(Encoder, self.depth, name='encoder')
        x = encoder(x, mask[:, None, None, :], train=train)
        x = x[:, 0] if self.pool == 'cls' else mean_pool(x, mask)
        return nn.Dense(self.num_classes, kernel_init=nn.initializers.zeros, name='head')(
            x.astype(jnp.float32)
        )

    def add_position(self, x: jax.Array) -> jax.Array:
        """x [B, T, width - appended_dims] -> [B, T, width] with the positions of `position`."""
        length = x.shape[1]
        if self.position == 'learned':
            learned = LearnedPosition(
                self.max_length, interpolate=self.interpolate, name='position'
            )
            return learned(x)
        if self.position == 'sinusoidal':
            return SinusoidalPosition(name='position')(x)
        if self.position == 'sinusoidal_concat':
            return SinusoidalPosition('concat', dim=self.position_dim, name='position')(x)
        if self.position == 'onehot':
            return append(x, onehot(length, self.max_length))
        if self.position == 'scalar':
            return append(x, scalar(length, self.max_length))
        return x
