"""Vision Transformer (Dosovitskiy et al. 2021): images as sequences of patches.

x = [cls; patches · W_E] + E_pos  ->  L pre-LN transformer blocks  ->  cls token or mean  ->  W_head.
images: [batch, height, width, channels] float32  ->  logits [batch, num_classes].
"""

import flax.linen as nn
import jax
import jax.numpy as jnp

from seqlab.config import ConfigError, one_of
from seqlab.layers.position import LearnedPosition
from seqlab.layers.transformer import ClassToken, Encoder, mean_pool

POOLS = ('cls', 'mean')
NORMS = ('pre_ln', 'post_ln')


class ViT(nn.Module):
    num_classes: int
    patch: int = 4
    width: int = 128
    depth: int = 6
    heads: int = 4
    mlp_dim: int = 256
    pool: str = 'cls'
    dropout: float = 0.0
    attention_dropout: float = 0.0
    norm: str = 'pre_ln'
    gelu_approximate: bool = True
    layer_norm_epsilon: float = 1e-6
    scan: bool = True
    remat: str = 'none'
    dtype: str = 'float32'

    @staticmethod
    def check(kwargs: dict, input_shape: tuple) -> None:
        """Patch size must tile the image; pooling and norm placement must be known."""
        height, width = input_shape[:2]
        patch = kwargs.get('patch', ViT.patch)
        if patch < 1 or height % patch or width % patch:
            raise ConfigError(
                f'config.model.kwargs.patch={patch} does not divide the {height}x{width} image; '
                f'allowed: {", ".join(str(p) for p in _divisors(height, width))}'
            )
        one_of('config.model.kwargs.pool', kwargs.get('pool', ViT.pool), POOLS)
        one_of('config.model.kwargs.norm', kwargs.get('norm', ViT.norm), NORMS)

    @nn.compact
    def __call__(self, images: jax.Array, *, train: bool = False) -> jax.Array:
        dtype = jnp.dtype(self.dtype)
        x = nn.Conv(
            self.width,
            (self.patch, self.patch),
            strides=(self.patch, self.patch),
            padding='VALID',
            dtype=dtype,
            name='patch_embedding',
        )(images)
        batch, rows, cols, width = x.shape
        x = x.reshape(batch, rows * cols, width)
        if self.pool == 'cls':
            x = ClassToken(name='cls')(x)
        x = LearnedPosition(max_length=x.shape[1], name='position')(x)
        x = nn.Dropout(self.dropout)(x, deterministic=not train)
        x = Encoder(
            num_layers=self.depth,
            num_heads=self.heads,
            mlp_dim=self.mlp_dim,
            dropout=self.dropout,
            attention_dropout=self.attention_dropout,
            norm=self.norm,
            gelu_approximate=self.gelu_approximate,
            layer_norm_epsilon=self.layer_norm_epsilon,
            dtype=dtype,
            scan=self.scan,
            remat=self.remat,
            name='encoder',
        )(x, train=train)
        x = x[:, 0] if self.pool == 'cls' else mean_pool(x)
        return nn.Dense(self.num_classes, kernel_init=nn.initializers.zeros, name='head')(
            x.astype(jnp.float32)
        )


def _divisors(height: int, width: int) -> list[int]:
    return [p for p in range(1, min(height, width) + 1) if height % p == 0 and width % p == 0]
