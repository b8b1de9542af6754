"""WaveNet-style stack of dilated causal convolutions (van den Oord et al. 2016).

For each dilation d in 1, 2, 4, ..., max_dilation (the pattern repeated `repeats` times):

    z = tanh(W_f *_d h) ⊙ sigmoid(W_g *_d h)      gated activation, causal conv of width K
    h <- h + W_r z,   skip <- skip + W_s z         1x1 residual and skip projections

Receptive field: 1 + (K - 1) * sum(dilations) samples.
"""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from seqlab.layers.conv import CausalConv1D, dilated_receptive_field, wavenet_dilations
from seqlab.layers.dense import Linear


class DilatedStack(nn.Module):
    """x: [B, T, C] -> (residual h [B, T, channels], skip sum [B, T, skip_channels or channels])."""

    channels: int
    kernel_size: int = 2
    max_dilation: int = 8
    repeats: int = 1
    skip_channels: int | None = None
    dtype: Any = jnp.float32

    @property
    def dilations(self) -> list[int]:
        return wavenet_dilations(self.max_dilation, self.repeats)

    @property
    def receptive_field(self) -> int:
        return dilated_receptive_field(self.kernel_size, self.dilations)

    @nn.compact
    def __call__(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        h = x.astype(self.dtype)
        if h.shape[-1] != self.channels:
            h = Linear(self.channels, dtype=self.dtype, name='input')(h)
        skip = 0.0
        for layer, dilation in enumerate(self.dilations):
            gates = CausalConv1D(
                2 * self.channels, self.kernel_size, dilation, name=f'conv_{layer}'
            )
            filters, gate = jnp.split(gates(h), 2, axis=-1)
            z = jnp.tanh(filters) * jax.nn.sigmoid(gate)
            h = h + Linear(self.channels, dtype=self.dtype, name=f'residual_{layer}')(z)
            skip_width = self.skip_channels or self.channels
            skip = skip + Linear(skip_width, dtype=self.dtype, name=f'skip_{layer}')(z)
        return h, skip
