"""MLP-Mixer block (Tolstikhin et al. 2021).

U = X + (MLP_tokens(LN(X)^T))^T    mixes across patches, per channel
Y = U + MLP_channels(LN(U))        mixes across channels, per patch
"""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from seqlab.layers.dense import Mlp


class MixerBlock(nn.Module):
    """x: [B, patches, channels] -> [B, patches, channels]."""

    tokens_mlp_dim: int
    channels_mlp_dim: int
    dropout: float = 0.0
    gelu_approximate: bool = True
    dtype: Any = jnp.float32  # compute dtype (LayerNorm statistics stay float32)

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool = False) -> jax.Array:
        mlp_options = dict(
            dropout=self.dropout, gelu_approximate=self.gelu_approximate, dtype=self.dtype
        )
        y = nn.LayerNorm(dtype=self.dtype, name='token_norm')(x).swapaxes(
            1, 2
        )  # [B, channels, patches]
        y = Mlp(self.tokens_mlp_dim, name='token_mixing', **mlp_options)(y, train=train)
        x = x + y.swapaxes(1, 2)
        y = nn.LayerNorm(dtype=self.dtype, name='channel_norm')(x)
        return x + Mlp(self.channels_mlp_dim, name='channel_mixing', **mlp_options)(y, train=train)
