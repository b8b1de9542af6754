"""Transformer encoder text classifier: token embeddings + positions -> encoder -> pool -> head.

x = [cls;] E[w] + P  ->  L pre-LN blocks (keys masked where w = pad_id)  ->  x_cls or
sum_t m_t x_t / sum_t m_t  ->  W_head.  P is learned (a [max_length, D] table, resampled to longer
inputs only with `interpolate`) or sinusoidal.
tokens: int32 [batch, length] -> logits float32 [batch, num_classes]; `dtype` is the encoder's
compute dtype (parameters stay float32).
"""

import flax.linen as nn
import jax
import jax.numpy as jnp

from seqlab.config import ConfigError, one_of
from seqlab.layers.embed import TokenEmbedding
from seqlab.layers.position import LearnedPosition, SinusoidalPosition
from seqlab.layers.transformer import ClassToken, Encoder, mean_pool

POOLS = ('cls', 'mean')
POSITIONS = ('learned', 'sinusoidal')


class TextTransformer(nn.Module):
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
    dropout: float = 0.0
    attention_dropout: float = 0.0
    scan: bool = True
    remat: str = 'none'
    dtype: str = 'float32'
    pad_id: int = 0

    @staticmethod
    def check(kwargs: dict, input_shape: tuple) -> None:
        """Known pooling and positions; the data's length must fit a learned table."""
        one_of('config.model.kwargs.pool', kwargs.get('pool', TextTransformer.pool), POOLS)
        position = kwargs.get('position', TextTransformer.position)
        one_of('config.model.kwargs.position', position, POSITIONS)
        max_length = kwargs.get('max_length', TextTransformer.max_length)
        interpolate = kwargs.get('interpolate', TextTransformer.interpolate)
        if position == 'learned' and not interpolate and input_shape[0] > max_length:
            raise ConfigError(
                f'config.model.kwargs.max_length={max_length} is shorter than the data '
                f'(config.data.max_length={input_shape[0]}); allowed: >= {input_shape[0]}, '
                'or interpolate=True'
            )

    @nn.compact
    def __call__(self, tokens: jax.Array, *, train: bool = False) -> jax.Array:
        mask = tokens != self.pad_id
        x = TokenEmbedding(self.vocab_size, self.width, name='embedding')(tokens)
        if self.position == 'learned':
            x = LearnedPosition(self.max_length, interpolate=self.interpolate, name='position')(x)
        else:
            x = SinusoidalPosition(name='position')(x)
        if self.pool == 'cls':
            x = ClassToken(name='cls')(x)
            mask = jnp.concatenate([jnp.ones_like(mask[:, :1]), mask], axis=1)
        x = nn.Dropout(self.dropout)(x, deterministic=not train)
        x = Encoder(
            num_layers=self.depth,
            num_heads=self.heads,
            mlp_dim=self.mlp_dim,
            dropout=self.dropout,
            attention_dropout=self.attention_dropout,
            scan=self.scan,
            remat=self.remat,
            dtype=jnp.dtype(self.dtype),
            name='encoder',
        )(x, mask[:, None, None, :], train=train)
        x = x[:, 0] if self.pool == 'cls' else mean_pool(x, mask)
        return nn.Dense(self.num_classes, kernel_init=nn.initializers.zeros, name='head')(
            x.astype(jnp.float32)
        )
