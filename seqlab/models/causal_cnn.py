"""Causal CNN classifier: a stack of causal (dilated) 1-D convolutions read out at the last step.

    h^1 = relu(conv_{k, d_1}(x)),   h^l = h^{l-1} + relu(LN(conv_{k, d_l}(h^{l-1}))),
    logits = W h^L_T + b
Causal convolutions only look back, so the last output sees the last r inputs,
r = 1 + (k - 1) Σ_l d_l (seqlab.layers.conv.dilated_receptive_field): with dilations 1, 2, 4, ... r doubles
with each layer; undilated it grows by k - 1 a layer. Dilation changes no parameter count.
waveform [B, T] -> logits [B, num_classes].
"""

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from seqlab.layers.conv import CausalConv1D, dilated_receptive_field
from seqlab.models import checks


class CausalCNN(nn.Module):
    num_classes: int
    channels: int = 32
    kernel_size: int = 3
    dilations: Sequence[int] = (1, 2, 4, 8, 16)
    dtype: str = 'float32'  # compute dtype; parameters, normalisation statistics and logits float32

    @classmethod
    def check(cls, kwargs: dict, input_shape: tuple) -> None:
        """Positive channels, kernel size and dilations."""
        model = checks.settings(cls, kwargs)
        for key in ('channels', 'kernel_size'):
            checks.int_at_least(model, key, 1)
        checks.positive_ints(model, 'dilations')

    @property
    def receptive_field(self) -> int:
        """Input samples that the last output (the one classified) sees."""
        return dilated_receptive_field(self.kernel_size, self.dilations)

    @nn.compact
    def __call__(self, waveform: jax.Array, *, train: bool = False) -> jax.Array:
        del train  # no dropout
        convs = [
            CausalConv1D(self.channels, self.kernel_size, d, name=f'conv{i}')
            for i, d in enumerate(self.dilations)
        ]
        dtype = jnp.dtype(self.dtype)
        h = nn.relu(convs[0](waveform[..., None].astype(dtype)))
        for index, conv in enumerate(convs[1:], start=1):
            h = h + nn.relu(nn.LayerNorm(dtype=dtype, name=f'norm{index}')(conv(h)))
        return nn.Dense(self.num_classes, name='head')(h[:, -1].astype(jnp.float32))
