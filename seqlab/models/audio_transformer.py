"""Audio transformer: a convolutional feature encoder over the waveform (as in wav2vec 2.0), then
a transformer encoder (pre-LN by default) and a classifier on a class token.

    z = GELU(LN(conv_{k_i, stride s_i}( ... ))) over the layers i    [B, samples] -> [B, T, C]
    x = [cls; z W_in] + E_pos  ->  L blocks  ->  x_cls  ->  W_head   -> logits [B, num_classes]
Each token sees `token_receptive_field` samples; through attention the classifier sees the clip.
`dtype` is the encoder's compute dtype (parameters and logits stay float32).
"""

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from seqlab.config import ConfigError
from seqlab.layers.conv import Conv, receptive_field
from seqlab.layers.dense import Linear
from seqlab.layers.position import LearnedPosition
from seqlab.layers.transformer import ClassToken, Encoder
from seqlab.models import checks
from seqlab.models.transformer_model import TransformerModel, check_blocks


class AudioTransformer(TransformerModel):
    """The block settings (dropout, attention, norm, scan, remat, dtype, ...) are TransformerModel's."""

    num_classes: int
    conv_channels: int = 64
    conv_kernels: Sequence[int] = (10, 3, 3, 3)
    conv_strides: Sequence[int] = (5, 4, 4, 2)  # 160 samples = 10 ms per token at 16 kHz
    width: int = 64
    depth: int = 4
    heads: int = 4
    mlp_dim: int = 128

    @classmethod
    def check(cls, kwargs: dict, input_shape: tuple) -> None:
        """Convolution kernels and strides in pairs of positive ints; heads divide the width; a known
        norm placement."""
        model = checks.settings(cls, kwargs)
        for key in ('conv_kernels', 'conv_strides'):
            checks.positive_ints(model, key)
        if len(model.conv_kernels) != len(model.conv_strides):
            raise ConfigError(
                f'config.model.kwargs.conv_kernels={model.conv_kernels!r} and '
                f'conv_strides={model.conv_strides!r} differ in length; allowed: one stride per '
                'kernel'
            )
        checks.heads_divide_width(model)
        check_blocks(model)

    @property
    def token_receptive_field(self) -> int:
        return receptive_field(self.conv_kernels, self.conv_strides)

    @property
    def receptive_field(self) -> None:
        """None: attention lets the class token see the whole clip."""
        return None

    @nn.compact
    def __call__(self, waveform: jax.Array, *, train: bool = False) -> jax.Array:
        z = waveform[..., None]
        for layer, (kernel, stride) in enumerate(
            zip(self.conv_kernels, self.conv_strides, strict=True)
        ):
            z = Conv(self.conv_channels, (kernel,), stride, name=f'conv_{layer}')(z)
            z = nn.gelu(nn.LayerNorm(name=f'conv_norm_{layer}')(z))
        x = ClassToken(name='cls')(Linear(self.width, name='project')(z))
        x = LearnedPosition(max_length=x.shape[1], name='position')(x)
        x = nn.Dropout(self.dropout)(x, deterministic=not train)
        x = self.block_stack(Encoder, self.depth, name='encoder')(x, train=train)
        return nn.Dense(self.num_classes, name='head')(x[:, 0].astype(jnp.float32))
