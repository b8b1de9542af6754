"""MLP-Mixer (Tolstikhin et al. 2021): patches mixed by MLPs across tokens, then across channels.

per block:  U = X + W2 σ(W1 LN(X)ᵀ)ᵀ   (token mixing),   Y = U + W4 σ(W3 LN(U))   (channel mixing)
images: [batch, height, width, channels]  ->  logits [batch, num_classes].
"""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from seqlab.layers.mixer import MixerBlock
from seqlab.models import checks
from seqlab.models.vit import check_patch


class _ScannedBlock(nn.Module):
    """(carry, _) -> (carry, None) adapter so nn.scan can stack MixerBlocks on a layer axis."""

    tokens_mlp_dim: int
    channels_mlp_dim: int
    dropout: float
    train: bool
    dtype: Any

    @nn.compact
    def __call__(self, x: jax.Array, _) -> tuple[jax.Array, None]:
        block = MixerBlock(
            self.tokens_mlp_dim,
            self.channels_mlp_dim,
            dropout=self.dropout,
            dtype=self.dtype,
            name='block',
        )
        return block(x, train=self.train), None


class Mixer(nn.Module):
    num_classes: int
    patch: int = 4
    width: int = 128
    depth: int = 8
    tokens_mlp_dim: int = 64
    channels_mlp_dim: int = 512
    dropout: float = 0.0
    dtype: str = 'float32'  # compute dtype; parameters, normalisation statistics and logits float32

    @classmethod
    def check(cls, kwargs: dict, input_shape: tuple) -> None:
        """The patch tiles the image."""
        check_patch(checks.settings(cls, kwargs).patch, 'patch', input_shape)

    @nn.compact
    def __call__(self, images: jax.Array, *, train: bool = False) -> jax.Array:
        x = nn.Conv(
            self.width,
            (self.patch, self.patch),
            strides=(self.patch, self.patch),
            padding='VALID',
            dtype=jnp.dtype(self.dtype),
            name='patch_embedding',
        )(images)
        x = x.reshape(x.shape[0], -1, self.width)
        blocks = nn.scan(
            _ScannedBlock,
            variable_axes={'params': 0},
            split_rngs={'params': True, 'dropout': True},
            length=self.depth,
        )
        x, _ = blocks(
            self.tokens_mlp_dim,
            self.channels_mlp_dim,
            self.dropout,
            train,
            jnp.dtype(self.dtype),
            name='blocks',
        )(x, None)
        x = nn.LayerNorm(dtype=x.dtype, name='final_norm')(x)
        return nn.Dense(self.num_classes, kernel_init=nn.initializers.zeros, name='head')(
            jnp.mean(x.astype(jnp.float32), axis=1)
        )
