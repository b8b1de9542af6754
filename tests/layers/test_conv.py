import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqlab.layers import conv, pooling
from seqlab.layers.dilated import DilatedStack


def _normal(shape, seed=0):
    """Test inputs from numpy: every new shape drawn with jax.random costs a compile."""
    return jnp.asarray(np.random.default_rng(seed).normal(size=shape), jnp.float32)


def _same_padding(size, kernel, stride, dilation):
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def _reference_conv(x, kernel, stride, padding, dilation):
    """Cross-correlation by explicit loops over output positions and kernel taps (numpy)."""
    ndim = kernel.ndim - 2
    if padding == 'SAME':
        pads = [
            _same_padding(x.shape[1 + a], kernel.shape[a], stride, dilation) for a in range(ndim)
        ]
    else:
        pads = [(0, 0)] * ndim
    x = np.pad(x, [(0, 0), *pads, (0, 0)])
    spans = [(kernel.shape[a] - 1) * dilation + 1 for a in range(ndim)]
    out_shape = [(x.shape[1 + a] - spans[a]) // stride + 1 for a in range(ndim)]
    y = np.zeros((x.shape[0], *out_shape, kernel.shape[-1]), np.float64)
    for out_index in itertools.product(*map(range, out_shape)):
        for tap in itertools.product(*map(range, kernel.shape[:ndim])):
            where = tuple(o * stride + t * dilation for o, t in zip(out_index, tap, strict=True))
            y[(slice(None), *out_index)] += x[(slice(None), *where)] @ kernel[tap]
    return y


@pytest.mark.parametrize(
    'spatial, kernel_size, stride, padding, dilation',
    [
        ((9,), (3,), 1, 'SAME', 2),
        ((9,), (4,), 2, 'VALID', 1),
        ((6, 7), (3, 2), 2, 'SAME', 1),
        ((6, 7), (2, 3), 1, 'VALID', 2),
        ((4, 5, 4), (2, 3, 2), 1, 'SAME', 1),
        ((5, 4, 5), (3, 2, 2), 2, 'VALID', 1),
    ],
)
def test_conv_matches_loop_reference(spatial, kernel_size, stride, padding, dilation):
    rng = np.random.default_rng(len(spatial) + stride)
    x = rng.normal(size=(2, *spatial, 3)).astype(np.float32)
    kernel = rng.normal(size=(*kernel_size, 3, 4)).astype(np.float32)
    bias = rng.normal(size=4).astype(np.float32)
    got = conv.conv(x, kernel, bias, stride, padding, dilation)
    want = _reference_conv(x, kernel, stride, padding, dilation) + bias
    np.testing.assert_allclose(got, want, atol=1e-4)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 1000), width=st.sampled_from([1, 2, 3]))
def test_masked_weight_matrix_equals_left_padding(seed, width):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, 8, 3)).astype(np.float32)
    kernel = rng.normal(size=(width, 3, 2)).astype(np.float32)
    np.testing.assert_allclose(
        conv.masked_causal_conv1d(x, kernel), conv.causal_conv1d(x, kernel), atol=1e-5
    )


def _time_jacobian(f, x):
    """|d y[0, t, :] / d x[0, s, :]| summed over channels -> [T_out, T_in]."""
    jacobian = jax.jacfwd(f)(x)[0, :, :, 0, :, :]  # [t, c_out, s, c_in]
    return jnp.abs(jacobian).sum(axis=(1, 3))


@pytest.mark.parametrize(
    'name',
    ['causal_conv1d', 'masked_causal_conv1d', 'dilated_stack'],
)
def test_causal_outputs_ignore_the_future(name):
    x = _normal((1, 12, 3), 0)
    kernel = _normal((3, 3, 3), 1)
    if name == 'causal_conv1d':
        f = lambda y: conv.causal_conv1d(y, kernel, dilation=2)  # noqa: E731
    elif name == 'masked_causal_conv1d':
        f = lambda y: conv.masked_causal_conv1d(y, kernel)  # noqa: E731
    else:
        stack = DilatedStack(4, kernel_size=2, max_dilation=4)
        params = stack.init(jax.random.PRNGKey(2), x)
        f = lambda y: stack.apply(params, y)[1]  # noqa: E731
    sensitivity = _time_jacobian(f, x)
    assert float(jnp.triu(sensitivity, k=1).max()) == 0.0
    assert bool(jnp.all(jnp.diag(sensitivity) > 0))


def test_dilated_stack_measured_receptive_field_equals_formula():
    stack = DilatedStack(4, kernel_size=2, max_dilation=4, repeats=2)
    assert stack.dilations == [1, 2, 4, 1, 2, 4]
    assert stack.receptive_field == conv.receptive_field([2] * 6, dilations=[1, 2, 4] * 2) == 15
    x = _normal((1, 24, 3), 0)
    params = stack.init(jax.random.PRNGKey(1), x)
    sensitivity = jax.grad(lambda y: stack.apply(params, y)[1][0, -1].sum())(x)
    seen = np.flatnonzero(np.abs(np.asarray(sensitivity[0])).sum(-1) > 0)
    assert len(seen) == stack.receptive_field
    np.testing.assert_array_equal(seen, np.arange(24 - 15, 24))  # contiguous, ending at t


@pytest.mark.parametrize(
    'kernels, strides, dilations',
    [([3, 3], [1, 1], [1, 1]), ([3, 2, 3], [1, 2, 1], [1, 1, 1]), ([2, 3], [2, 3], [2, 1])],
)
def test_receptive_field_equals_gradient_support(kernels, strides, dilations):
    x = jnp.ones((1, 64, 1))

    def stack(y):
        for size, stride, dilation in zip(kernels, strides, dilations, strict=True):
            y = conv.conv(y, jnp.ones((size, 1, 1)), None, stride, 'VALID', dilation)
        return y[0, 0, 0]

    seen = np.flatnonzero(np.asarray(jax.grad(stack)(x))[0, :, 0])  # may have holes
    assert seen.max() - seen.min() + 1 == conv.receptive_field(kernels, strides, dilations)


def test_least_bittern_spectrogram_receptive_field():
    """44.1 kHz, frame 1024, hop 512; 3x3 conv -> 2x2 max pool (stride 2) -> 3x3 conv."""
    field = conv.receptive_field([3, 2, 3], strides=[1, 2, 1])
    assert field == 8  # 1 + 2 + 1 * 1 + 2 * 2
    x = jnp.ones((1, 16, 16, 1))

    def network(y):  # average pooling has the max pool's receptive field but dense gradients
        y = conv.conv(y, jnp.ones((3, 3, 1, 1)), padding='VALID')
        y = pooling.avg_pool(y, 2)
        return conv.conv(y, jnp.ones((3, 3, 1, 1)), padding='VALID')[0, 0, 0, 0]

    rows, cols = np.nonzero(np.asarray(jax.grad(network)(x))[0, :, :, 0])
    assert (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1) == (8, 8)

    seconds, hz = conv.receptive_field_in_seconds_and_hz(
        field, field, sample_rate=44_100, frame_length=1024, hop=512
    )
    assert seconds == pytest.approx((7 * 512 + 1024) / 44_100)  # 4,608 samples
    assert seconds == pytest.approx(0.10449, abs=1e-5)  # about 104 ms
    assert hz == pytest.approx(8 * 44_100 / 1024)  # 8 bins of 43.07 Hz
    assert hz == pytest.approx(344.53, abs=0.01)


def test_pooling_matches_numpy():
    x = np.arange(2 * 6 * 4 * 1, dtype=np.float32).reshape(2, 6, 4, 1) % 7
    blocks = x.reshape(2, 3, 2, 2, 2, 1)
    np.testing.assert_array_equal(pooling.max_pool(x, 2), blocks.max(axis=(2, 4)))
    np.testing.assert_allclose(pooling.avg_pool(x, 2), blocks.mean(axis=(2, 4)))
    series = np.array([1.0, 2.0, 3.0, 4.0, 5.0], np.float32)[None, :, None]
    np.testing.assert_allclose(
        pooling.avg_pool(series, 2, padding='SAME')[0, :, 0], [1.5, 3.5, 5.0]
    )  # the last window holds one real value: padding is not averaged in
    np.testing.assert_array_equal(pooling.max_pool(series, 3, stride=1)[0, :, 0], [3, 4, 5])


def test_conv_modules_use_the_functions():
    x = _normal((2, 5, 6, 3), 0)
    layer = conv.Conv(4, (3, 3), strides=2, padding='VALID')
    params = layer.init(jax.random.PRNGKey(1), x)['params']
    np.testing.assert_allclose(
        layer.apply({'params': params}, x),
        conv.conv(x, params['kernel'], params['bias'], 2, 'VALID'),
        atol=1e-6,
    )
    series = x[:, 0]
    causal = conv.CausalConv1D(4, kernel_size=3, dilation=2)
    p = causal.init(jax.random.PRNGKey(2), series)['params']['conv']
    np.testing.assert_allclose(
        causal.apply({'params': {'conv': p}}, series),
        conv.causal_conv1d(series, p['kernel'], p['bias'], dilation=2),
        atol=1e-6,
    )


def test_bad_arguments_name_the_value():
    with pytest.raises(ValueError, match="padding='CAUSAL' is for 1-D"):
        conv.conv(jnp.zeros((1, 4, 4, 1)), jnp.zeros((2, 2, 1, 1)), padding='CAUSAL')
    with pytest.raises(ValueError, match="padding='FULL'"):
        conv.conv(jnp.zeros((1, 4, 1)), jnp.zeros((2, 1, 1)), padding='FULL')
    with pytest.raises(ValueError, match='stride=0'):
        conv.conv(jnp.zeros((1, 4, 1)), jnp.zeros((2, 1, 1)), stride=0)
    with pytest.raises(ValueError, match='2 kernel sizes, 1 strides'):
        conv.receptive_field([3, 3], strides=[1])
    with pytest.raises(ValueError, match='max_dilation=6'):
        conv.wavenet_dilations(6)
    with pytest.raises(ValueError, match="padding='CAUSAL'"):
        pooling.max_pool(jnp.zeros((1, 4, 1)), 2, padding='CAUSAL')
