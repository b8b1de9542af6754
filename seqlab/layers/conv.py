"""Convolutions over 1, 2 or 3 spatial axes, causal 1-D convolution in two forms, receptive fields.

Cross-correlation as in every deep-learning library (x: [B, *spatial, C], kernel [*k, C, C']):

    y[b, t, o] = sum_{j, c} x[b, t * stride + j * dilation - pad, c] kernel[j, c, o] (+ bias[o])

Causal 1-D: pad (K - 1) * dilation zeros on the left only, so y_t depends on x_{<= t}.
Receptive field of a stack (kernel k_l, stride s_l, dilation d_l; pooling counts as a layer):

    r = 1 + sum_l (k_l - 1) d_l prod_{i < l} s_i
"""

import math
from collections.abc import Sequence
from typing import Literal

import flax.linen as nn
import jax
import jax.numpy as jnp
from jax import lax

Padding = Literal['SAME', 'VALID', 'CAUSAL']
_LAYOUTS = {1: ('NWC', 'WIO', 'NWC'), 2: ('NHWC', 'HWIO', 'NHWC'), 3: ('NDHWC', 'DHWIO', 'NDHWC')}


def _per_axis(value: int | Sequence[int], ndim: int, name: str) -> tuple[int, ...]:
    values = (value,) * ndim if isinstance(value, int) else tuple(value)
    if len(values) != ndim or any(v < 1 for v in values):
        raise ValueError(f'{name}={value!r}: need {ndim} positive integer(s)')
    return values


def conv(
    x: jax.Array,
    kernel: jax.Array,
    bias: jax.Array | None = None,
    stride: int | Sequence[int] = 1,
    padding: Padding = 'SAME',
    dilation: int | Sequence[int] = 1,
) -> jax.Array:
    """N-d convolution, N = 1, 2, 3. x: [B, *spatial, C], kernel: [*k, C, C'] -> [B, *out, C'].

    padding 'CAUSAL' (1-D only) pads (k - 1) * dilation on the left.
    """
    ndim = kernel.ndim - 2
    if ndim not in _LAYOUTS or x.ndim != ndim + 2:
        raise ValueError(
            f'conv: kernel rank {kernel.ndim} and input rank {x.ndim} do not match a 1-, 2- or '
            "3-D convolution (x [B, *spatial, C], kernel [*k, C, C'])"
        )
    strides = _per_axis(stride, ndim, 'stride')
    dilations = _per_axis(dilation, ndim, 'dilation')
    if padding == 'CAUSAL':
        if ndim != 1:
            raise ValueError(f"padding='CAUSAL' is for 1-D convolutions, got a {ndim}-D kernel")
        padding = [((kernel.shape[0] - 1) * dilations[0], 0)]
    elif padding not in ('SAME', 'VALID'):
        raise ValueError(f"padding={padding!r}; allowed: 'SAME', 'VALID', 'CAUSAL'")
    y = lax.conv_general_dilated(
        x,
        kernel.astype(x.dtype),
        window_strides=strides,
        padding=padding,
        rhs_dilation=dilations,
        dimension_numbers=_LAYOUTS[ndim],
    )
    return y if bias is None else y + bias.astype(y.dtype)


def causal_conv1d(
    x: jax.Array, kernel: jax.Array, bias: jax.Array | None = None, dilation: int = 1
) -> jax.Array:
    """y_t = sum_j kernel[j] x_{t - (K - 1 - j) dilation} (zeros before t = 0).

    x: [B, T, C], kernel: [K, C, C'] -> [B, T, C'].
    """
    return conv(x, kernel, bias, padding='CAUSAL', dilation=dilation)


def masked_causal_conv1d(x: jax.Array, kernel: jax.Array, bias: jax.Array | None = None):
    """The same causal convolution as one masked weight matrix over time: y = (W ⊙ M) x.

    W[t, s] = kernel[K - 1 - (t - s)] (indices clipped into [0, K - 1], so W is dense) and
    M[t, s] = [0 <= t - s < K], the lower-triangular band that keeps only the K causal taps.
    O(T^2 C C') memory: for teaching and testing. x: [B, T, C], kernel: [K, C, C'] -> [B, T, C'].
    """
    length, width = x.shape[1], kernel.shape[0]
    lag = jnp.arange(length)[:, None] - jnp.arange(length)[None, :]  # t - s
    weights = kernel[jnp.clip(width - 1 - lag, 0, width - 1)]  # [T, T, C, C']
    band = (lag >= 0) & (lag < width)
    y = jnp.einsum('tsco,bsc->bto', weights * band[..., None, None], x)
    return y if bias is None else y + bias


def wavenet_dilations(max_dilation: int, repeats: int = 1) -> list[int]:
    """1, 2, 4, ..., max_dilation, repeated `repeats` times (WaveNet's dilation pattern)."""
    if max_dilation < 1 or max_dilation & (max_dilation - 1) or repeats < 1:
        raise ValueError(
            f'max_dilation={max_dilation} must be a power of two and repeats={repeats} >= 1'
        )
    return [2**i for i in range(int(math.log2(max_dilation)) + 1)] * repeats


def receptive_field(
    kernel_sizes: Sequence[int],
    strides: Sequence[int] | None = None,
    dilations: Sequence[int] | None = None,
) -> int:
    """r = 1 + sum_l (k_l - 1) d_l prod_{i<l} s_i, in input samples (frames, bins, pixels)."""
    strides = [1] * len(kernel_sizes) if strides is None else list(strides)
    dilations = [1] * len(kernel_sizes) if dilations is None else list(dilations)
    if not len(kernel_sizes) == len(strides) == len(dilations):
        raise ValueError(
            f'receptive_field: {len(kernel_sizes)} kernel sizes, {len(strides)} strides and '
            f'{len(dilations)} dilations must have equal lengths'
        )
    field, jump = 1, 1
    for size, stride, dilation in zip(kernel_sizes, strides, dilations, strict=True):
        if min(size, stride, dilation) < 1:
            raise ValueError(
                f'receptive_field: kernel {size}, stride {stride}, dilation {dilation}'
            )
        field += (size - 1) * dilation * jump
        jump *= stride
    return field


def dilated_receptive_field(kernel_size: int, dilations: Sequence[int]) -> int:
    """r = 1 + (k - 1) Σ_l d_l: stride-1 convolutions of width k with dilations d_l, in order."""
    return receptive_field([kernel_size] * len(dilations), dilations=dilations)


def receptive_field_in_seconds_and_hz(
    frames: int, bins: int, sample_rate: float, frame_length: int, hop: int
) -> tuple[float, float]:
    """A spectrogram receptive field of `frames` x `bins` in physical units.

    seconds = ((frames - 1) hop + frame_length) / sample_rate   (samples the frames span)
    hz = bins * sample_rate / frame_length                       (bin width sample_rate / N)
    """
    if min(frames, bins, frame_length, hop) < 1 or sample_rate <= 0:
        raise ValueError(
            f'frames={frames}, bins={bins}, frame_length={frame_length}, hop={hop} must be >= 1 '
            f'and sample_rate={sample_rate} > 0'
        )
    return ((frames - 1) * hop + frame_length) / sample_rate, bins * sample_rate / frame_length


class Conv(nn.Module):
    """Learned N-d convolution (N = len(kernel_size)). x: [B, *spatial, C] -> [B, *out, features]."""

    features: int
    kernel_size: Sequence[int]
    strides: int | Sequence[int] = 1
    padding: Padding = 'SAME'
    dilation: int | Sequence[int] = 1
    use_bias: bool = True

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        shape = (*self.kernel_size, x.shape[-1], self.features)
        kernel = self.param('kernel', nn.initializers.lecun_normal(), shape, jnp.float32)
        bias = (
            self.param('bias', nn.initializers.zeros, (self.features,)) if self.use_bias else None
        )
        return conv(x, kernel, bias, self.strides, self.padding, self.dilation)


class CausalConv1D(nn.Module):
    """Learned causal 1-D convolution. x: [B, T, C] -> [B, T, features]."""

    features: int
    kernel_size: int = 2
    dilation: int = 1
    use_bias: bool = True

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        return Conv(
            self.features,
            (self.kernel_size,),
            1,
            'CAUSAL',
            self.dilation,
            self.use_bias,
            name='conv',
        )(x)
