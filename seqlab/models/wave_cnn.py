"""Raw-waveform CNN: a strided convolutional front end, residual dilated 1-D convolutions, global
max over time, dense.

    front:  x = maxpool_p(ReLU(LN(conv_{k_f, stride s_f}(waveform))))
    stage:  for d in dilations:  x = x + ReLU(LN(conv_{k, dilation d}(x)));   x = maxpool_p(x)
    logits = W max_t x_t + b
waveform [B, samples] -> logits [B, num_classes]. Receptive field in samples (conv.py):
r = 1 + Σ_l (k_l - 1) d_l Π_{i<l} s_i over the front conv, the convs and the pools.
"""

import functools
from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from seqlab.layers.conv import Conv, receptive_field
from seqlab.layers.pooling import max_pool
from seqlab.models import checks


class WaveCNN(nn.Module):
    num_classes: int
    channels: int = 48
    front_kernel: int = 80
    front_stride: int = 8
    pool: int = 4
    dilations: Sequence[int] = (1, 2, 4, 8)
    stages: int = 2
    kernel_size: int = 3
    dropout: float = 0.0
    dtype: str = 'float32'  # compute dtype; parameters, normalisation statistics and logits float32

    @classmethod
    def check(cls, kwargs: dict, input_shape: tuple) -> None:
        """Positive sizes, strides and dilations."""
        model = checks.settings(cls, kwargs)
        for key in ('channels', 'front_kernel', 'front_stride', 'pool', 'stages', 'kernel_size'):
            checks.int_at_least(model, key, 1)
        checks.positive_ints(model, 'dilations')

    @property
    def receptive_field(self) -> int:
        """Samples of waveform that one position of the last stage sees."""
        sizes, strides, dilations = (
            [self.front_kernel, self.pool],
            [self.front_stride, self.pool],
            [1, 1],
        )
        for _ in range(self.stages):
            sizes += [self.kernel_size] * len(self.dilations) + [self.pool]
            strides += [1] * len(self.dilations) + [self.pool]
            dilations += list(self.dilations) + [1]
        return receptive_field(sizes, strides, dilations)

    def setup(self):
        self.front = Conv(self.channels, (self.front_kernel,), self.front_stride)
        self.front_norm = nn.LayerNorm(dtype=jnp.dtype(self.dtype))
        self.convs = [
            [Conv(self.channels, (self.kernel_size,), dilation=d) for d in self.dilations]
            for _ in range(self.stages)
        ]
        norm = functools.partial(nn.LayerNorm, dtype=jnp.dtype(self.dtype))
        self.norms = [[norm() for _ in self.dilations] for _ in range(self.stages)]
        self.dropout_layer = nn.Dropout(self.dropout)
        self.head = nn.Dense(self.num_classes)

    def features(self, waveform: jax.Array) -> jax.Array:
        """The last stage's output: [B, samples] -> [B, positions, channels]."""
        x = self.front(waveform[..., None].astype(jnp.dtype(self.dtype)))
        x = max_pool(nn.relu(self.front_norm(x)), self.pool, padding='SAME')
        for convs, norms in zip(self.convs, self.norms, strict=True):
            for conv, norm in zip(convs, norms, strict=True):
                x = x + nn.relu(norm(conv(x)))
            x = max_pool(x, self.pool, padding='SAME')
        return x

    def __call__(self, waveform: jax.Array, *, train: bool = False) -> jax.Array:
        x = self.dropout_layer(self.features(waveform).max(axis=1), deterministic=not train)
        return self.head(x.astype(jnp.float32))
