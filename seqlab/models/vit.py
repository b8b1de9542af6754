"""Vision Transformer (Dosovitskiy et al. 2021): images as sequences of patches.

x = [cls; patches · W_E] + E_pos  ->  L pre-LN transformer blocks  ->  cls token or mean  ->  W_head.
images: [batch, height, width, channels] float32  ->  logits [batch, num_classes].

stem='patch' embeds non-overlapping `patch` x `patch` patches linearly (the paper's ViT);
stem='conv' reaches the same stride `patch` (a power of two) with log2(patch) overlapping 3x3
stride-2 convolutions, GELU between them, channels doubling up to `width` - a convolutional stem as
in Xiao et al. 2021 ("Early convolutions help transformers see better"), the paper's hybrid ViT
with a small CNN. Its tokens are the ceil(height / patch) x ceil(width / patch) grid ('SAME').
"""

import flax.linen as nn
import jax
import jax.numpy as jnp

from seqlab.config import ConfigError
from seqlab.layers.position import LearnedPosition
from seqlab.layers.transformer import ClassToken, Encoder, mean_pool
from seqlab.models import checks
from seqlab.models.transformer_model import TransformerModel, check_blocks

POOLS = ('cls', 'mean')
STEMS = ('patch', 'conv')


class ViT(TransformerModel):
    """The block settings (dropout, attention, norm, scan, remat, dtype, ...) are TransformerModel's."""

    num_classes: int
    patch: int = 4
    width: int = 128
    depth: int = 6
    heads: int = 4
    mlp_dim: int = 256
    pool: str = 'cls'
    stem: str = 'patch'

    @classmethod
    def check(cls, kwargs: dict, input_shape: tuple) -> None:
        """Known stem, pooling and norm placement; the patch tiles the image (`check_patch`)."""
        model = checks.settings(cls, kwargs)
        checks.one_of(model, 'stem', STEMS)
        check_patch(model.patch, model.stem, input_shape)
        checks.one_of(model, 'pool', POOLS)
        check_blocks(model)

    @nn.compact
    def __call__(self, images: jax.Array, *, train: bool = False) -> jax.Array:
        x = self.conv_stem(images) if self.stem == 'conv' else self.patch_stem(images)
        batch, rows, cols, width = x.shape
        x = x.reshape(batch, rows * cols, width)
        if self.pool == 'cls':
            x = ClassToken(name='cls')(x)
        x = LearnedPosition(max_length=x.shape[1], name='position')(x)
        x = nn.Dropout(self.dropout)(x, deterministic=not train)
        x = self.block_stack(Encoder, self.depth, name='encoder')(x, train=train)
        x = x[:, 0] if self.pool == 'cls' else mean_pool(x)
        return nn.Dense(self.num_classes, kernel_init=nn.initializers.zeros, name='head')(
            x.astype(jnp.float32)
        )

    def patch_stem(self, images: jax.Array) -> jax.Array:
        """[B, H, W, C] -> [B, H / patch, W / patch, width]: one linear map per patch."""
        return nn.Conv(
            self.width,
            (self.patch, self.patch),
            strides=(self.patch, self.patch),
            padding='VALID',
            dtype=jnp.dtype(self.dtype),
            name='patch_embedding',
        )(images)

    def conv_stem(self, images: jax.Array) -> jax.Array:
        """[B, H, W, C] -> [B, ceil(H / patch), ceil(W / patch), width]: 3x3 stride-2
        convolutions with width / 2^(n-1), ..., width / 2, width channels (n = log2(patch))."""
        layers = self.patch.bit_length() - 1
        x = images
        for index in range(layers):
            last = index == layers - 1
            x = nn.Conv(
                self.width >> (layers - 1 - index),
                (3, 3),
                strides=(2, 2),
                padding='SAME',
                dtype=jnp.dtype(self.dtype),
                name='patch_embedding' if last else f'stem_{index}',
            )(x)
            if not last:
                x = nn.gelu(x, approximate=self.gelu_approximate)
        return x


def check_patch(patch: int, stem: str, input_shape: tuple) -> None:
    """`patch` tiles the [height, width, ...] image (stem='patch') or is a power of two no larger
    than it (stem='conv')."""
    height, width = input_shape[:2]
    if stem == 'conv':
        strides = [2**k for k in range(1, min(height, width).bit_length())]
        if patch not in strides:
            raise ConfigError(
                f"config.model.kwargs.patch={patch} is not a stride of stem='conv' for the "
                f'{height}x{width} image; allowed: {", ".join(map(str, strides))}'
            )
    elif patch < 1 or height % patch or width % patch:
        raise ConfigError(
            f'config.model.kwargs.patch={patch} does not divide the {height}x{width} image; '
            f'allowed: {", ".join(str(p) for p in _divisors(height, width))}'
        )


def _divisors(height: int, width: int) -> list[int]:
    return [p for p in range(1, min(height, width) + 1) if height % p == 0 and width % p == 0]
