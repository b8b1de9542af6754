"""2-D CNN on a log-mel spectrogram with the three heads of the CNN lecture.

Each block: two (conv k x k -> LayerNorm over channels -> ReLU), then the head's downsampling
(normalising per position keeps the receptive field local):
  clip   max-pool 2 x 2 per block, global max over (bands, frames), dense:   [B, F, T] -> [B, K]
         (a max finds the word wherever it is; a mean over the silence around it trains far slower)
  frame  max-pool 2 x 1 (frequency only), time dilation 2^i in block i, mean over bands, dense
         per frame (the time axis is kept):                                [B, F, T] -> [B, T, K]
  pixel  no pooling, dilation 2^i on both axes in block i, 1 x 1 conv per bin:
                                                                           [B, F, T] -> [B, F, T, K]
Receptive field per axis: r = 1 + Σ_l (k_l - 1) d_l Π_{i<l} s_i over convs and pools (conv.py).
"""

import flax.linen as nn
import jax
import jax.numpy as jnp

from seqlab.layers.conv import Conv, receptive_field
from seqlab.layers.pooling import max_pool
from seqlab.models import checks

HEADS = ('clip', 'frame', 'pixel')
CONVS_PER_BLOCK = 2


class SpecCNN(nn.Module):
    num_classes: int
    head: str = 'clip'
    channels: tuple[int, ...] = (32, 64, 128)
    kernel_size: int = 3
    dropout: float = 0.0
    dtype: str = 'float32'  # compute dtype; parameters, normalisation statistics and logits float32

    @classmethod
    def check(cls, kwargs: dict, input_shape: tuple) -> None:
        """A known head; positive channels per block and kernel size."""
        model = checks.settings(cls, kwargs)
        checks.one_of(model, 'head', HEADS)
        checks.positive_ints(model, 'channels')
        checks.int_at_least(model, 'kernel_size', 1)

    def block_geometry(self, block: int) -> tuple[tuple[int, int], tuple[int, int]]:
        """((frequency, time) dilation, (frequency, time) pooling) of block `block`."""
        if self.head == 'clip':
            return (1, 1), (2, 2)
        if self.head == 'frame':
            return (1, 2**block), (2, 1)
        return (2**block, 2**block), (1, 1)

    @property
    def receptive_field(self) -> tuple[int, int]:
        """(frames, mel bands) of input that one position of the last block sees."""
        per_axis = []
        for axis in (1, 0):  # time, then frequency
            sizes, strides, dilations = [], [], []
            for block in range(len(self.channels)):
                dilation, pool = self.block_geometry(block)
                sizes += [self.kernel_size] * CONVS_PER_BLOCK + [pool[axis]]
                strides += [1] * CONVS_PER_BLOCK + [pool[axis]]
                dilations += [dilation[axis]] * CONVS_PER_BLOCK + [1]
            per_axis.append(receptive_field(sizes, strides, dilations))
        return per_axis[0], per_axis[1]

    @nn.compact
    def __call__(self, spectrogram: jax.Array, *, train: bool = False) -> jax.Array:
        x = spectrogram[..., None].astype(jnp.dtype(self.dtype))  # [B, F, T, 1]
        for block, width in enumerate(self.channels):
            dilation, pool = self.block_geometry(block)
            for conv in range(CONVS_PER_BLOCK):
                x = Conv(
                    width, (self.kernel_size,) * 2, dilation=dilation, name=f'conv_{block}_{conv}'
                )(x)
                x = nn.LayerNorm(dtype=x.dtype, name=f'norm_{block}_{conv}')(x)
                x = nn.relu(x)
            if pool != (1, 1):
                x = max_pool(x, pool, padding='SAME')
        if self.head == 'clip':
            x = x.max(axis=(1, 2))
        elif self.head == 'frame':
            x = x.mean(axis=1)  # [B, T, C]
        x = nn.Dropout(self.dropout)(x, deterministic=not train)
        return nn.Dense(self.num_classes, name='head')(x.astype(jnp.float32))
