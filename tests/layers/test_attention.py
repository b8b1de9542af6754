import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqlab.layers import attention
from seqlab.layers.position import SinusoidalPosition


def _normal(shape, seed=0):
    """Test inputs from numpy: every new shape drawn with jax.random costs a compile."""
    return jnp.asarray(np.random.default_rng(seed).normal(size=shape), jnp.float32)


def _qkv(seed, batch=2, q_len=5, k_len=7, heads=2, depth=4):
    return (
        _normal((batch, q_len, heads, depth), seed),
        _normal((batch, k_len, heads, depth), seed + 1),
        _normal((batch, k_len, heads, depth), seed + 2),
    )


def _mask_and_bias(seed, batch=2, heads=2, q_len=5, k_len=7):
    mask = np.random.default_rng(seed).random((batch, 1, q_len, k_len)) < 0.7
    mask[..., 0] = True  # every query sees at least one key
    return jnp.asarray(mask), _normal((1, heads, q_len, k_len), seed + 3)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_matches_jax_nn_dot_product_attention(seed):
    queries, keys, values = _qkv(seed)
    mask, bias = _mask_and_bias(seed)
    ours = attention.dot_product_attention(queries, keys, values, mask=mask, bias=bias)
    reference = jax.nn.dot_product_attention(queries, keys, values, bias=bias, mask=mask)
    np.testing.assert_allclose(ours, reference, atol=1e-5)


def test_weights_are_a_distribution_and_masked_keys_get_zero():
    queries, keys, _ = _qkv(0)
    mask, bias = _mask_and_bias(0)
    weights = attention.attention_weights(queries, keys, mask, bias)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-6)
    assert float(jnp.where(jnp.broadcast_to(mask, weights.shape), 0.0, weights).max()) == 0.0


def test_fully_masked_row_is_uniform_not_nan():
    queries, keys, values = _qkv(1)
    mask = jnp.ones((1, 1, 5, 7), bool).at[:, :, 2].set(False)
    out = attention.dot_product_attention(queries, keys, values, mask=mask)
    chunked = attention.chunked_dot_product_attention(queries, keys, values, mask, None, 2, 3)
    np.testing.assert_allclose(out[:, 2], values.mean(1), atol=1e-6)
    np.testing.assert_allclose(chunked, out, atol=1e-5)


@pytest.mark.parametrize(
    'chunks, causal',
    [
        (dict(query_chunk=2, key_chunk=3), False),  # neither divides 7: padded chunks
        (dict(query_chunk=2, key_chunk=3), True),
        (dict(query_chunk=7, key_chunk=1), True),
    ],
)
def test_chunked_matches_naive_with_mask_bias_and_gradients(chunks, causal):
    queries, keys, values = _qkv(3, q_len=7, k_len=7)
    mask, bias = _mask_and_bias(3, q_len=7, k_len=7)

    def naive(q, k, v, b):
        return attention.dot_product_attention(q, k, v, mask, b, causal=causal)

    def chunked(q, k, v, b):
        return attention.chunked_dot_product_attention(q, k, v, mask, b, **chunks, causal=causal)

    np.testing.assert_allclose(
        chunked(queries, keys, values, bias), naive(queries, keys, values, bias), atol=1e-5
    )
    cotangent = _normal(queries.shape, 9)

    def grads(f):
        return jax.grad(lambda *args: jnp.sum(f(*args) * cotangent), argnums=(0, 1, 2, 3))(
            queries, keys, values, bias
        )

    for got, want in zip(grads(chunked), grads(naive), strict=True):
        np.testing.assert_allclose(got, want, atol=1e-5)


def test_chunked_cross_attention_with_key_padding_mask():
    queries, keys, values = _qkv(4, q_len=3, k_len=9)
    mask = attention.padding_mask(jnp.array([9, 4]), 9)[:, None, None, :]
    want = attention.dot_product_attention(queries, keys, values, mask)
    got = attention.chunked_dot_product_attention(queries, keys, values, mask, None, 2, 4)
    np.testing.assert_allclose(got, want, atol=1e-5)


@pytest.mark.parametrize('kind', ['naive', 'chunked'])
def test_weight_dropout_is_unbiased(kind):
    queries, keys, values = _qkv(5, batch=1, q_len=3, k_len=4)
    function = {
        'naive': attention.dot_product_attention,
        'chunked': attention.chunked_dot_product_attention,
    }[kind]
    options = dict(query_chunk=2, key_chunk=2) if kind == 'chunked' else {}

    def dropped(rng):
        return function(queries, keys, values, dropout_rate=0.5, dropout_rng=rng, **options)

    samples = jax.vmap(dropped)(jax.random.split(jax.random.PRNGKey(0), 4000))
    clean = function(queries, keys, values, **options)
    assert float(jnp.abs(samples[0] - clean).max()) > 1e-2  # dropout really changes outputs
    np.testing.assert_allclose(samples.mean(0), clean, atol=0.08)


def test_masks():
    np.testing.assert_array_equal(attention.causal_mask(3), np.tril(np.ones((3, 3), bool)))
    np.testing.assert_array_equal(
        attention.padding_mask(jnp.array([1, 3]), 3), [[True, False, False], [True, True, True]]
    )
    with pytest.raises(ValueError, match='length=0'):
        attention.causal_mask(0)


def _flax_mha_params(ours, num_heads):
    """Our 2-D kernels reshaped into flax's DenseGeneral layout."""

    def split(name):
        kernel, bias = ours[name]['kernel'], ours[name]['bias']
        return {
            'kernel': kernel.reshape(kernel.shape[0], num_heads, -1),
            'bias': bias.reshape(num_heads, -1),
        }

    out_kernel = ours['out']['kernel']
    return {
        'query': split('query'),
        'key': split('key'),
        'value': split('value'),
        'out': {
            'kernel': out_kernel.reshape(num_heads, -1, out_kernel.shape[1]),
            'bias': ours['out']['bias'],
        },
    }


@pytest.mark.parametrize('cross', [False, True])
def test_mha_matches_flax_multi_head_attention(cross):
    x = _normal((2, 6, 8), 0)
    context = _normal((2, 5, 8), 1) if cross else None
    mask = attention.padding_mask(jnp.array([5, 3]), 5)[:, None, None, :] if cross else None
    ours = attention.MultiHeadAttention(num_heads=2, qkv_features=12, out_features=10)
    params = ours.init(jax.random.PRNGKey(2), x, context)['params']
    flax_mha = nn.MultiHeadDotProductAttention(num_heads=2, qkv_features=12, out_features=10)
    flax_params = _flax_mha_params(params, 2)
    want = flax_mha.apply({'params': flax_params}, x, context, mask=mask)
    got = ours.apply({'params': params}, x, context, mask=mask)
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_fused_qkv_equals_separate_projections():
    x = _normal((2, 6, 8), 0)
    separate = attention.MultiHeadAttention(num_heads=2)
    params = separate.init(jax.random.PRNGKey(1), x)['params']
    fused_params = {
        'qkv': {
            name: jnp.concatenate([params[p][name] for p in ('query', 'key', 'value')], -1)
            for name in ('kernel', 'bias')
        },
        'out': params['out'],
    }
    fused = attention.MultiHeadAttention(num_heads=2, fused_qkv=True)
    np.testing.assert_allclose(
        fused.apply({'params': fused_params}, x), separate.apply({'params': params}, x), atol=1e-6
    )


def test_mha_is_permutation_equivariant_without_positions():
    x = _normal((2, 6, 8), 0)
    permutation = np.random.default_rng(1).permutation(6)
    mha = attention.MultiHeadAttention(num_heads=2)
    params = mha.init(jax.random.PRNGKey(2), x)
    np.testing.assert_allclose(
        mha.apply(params, x[:, permutation]), mha.apply(params, x)[:, permutation], atol=1e-5
    )

    def with_positions(y):
        return mha.apply(params, SinusoidalPosition()(y))

    gap = jnp.abs(with_positions(x[:, permutation]) - with_positions(x)[:, permutation]).max()
    assert float(gap) > 1e-2


@pytest.mark.parametrize('kind', ['naive', 'chunked'])
def test_causal_self_attention_ignores_the_future(kind):
    x = _normal((1, 5, 4), 0)
    mha = attention.MultiHeadAttention(
        num_heads=2, causal=True, attention=kind, query_chunk=2, key_chunk=2
    )
    params = mha.init(jax.random.PRNGKey(1), x)
    jacobian = jax.jacfwd(lambda y: mha.apply(params, y))(x)[0, :, :, 0, :, :]  # [t, c, s, c']
    for t in range(5):
        assert float(jnp.abs(jacobian[t, :, t + 1 :]).max(initial=0.0)) == 0.0
        assert float(jnp.abs(jacobian[t, :, : t + 1]).max()) > 0.0


@pytest.mark.parametrize('kind', ['naive', 'chunked'])
def test_kv_cache_decoding_equals_full_causal_pass(kind):
    x = _normal((2, 6, 8), 0)
    options = dict(num_heads=2, causal=True, attention=kind, query_chunk=4, key_chunk=4)
    full = attention.MultiHeadAttention(**options)
    params = full.init(jax.random.PRNGKey(1), x)['params']
    want = full.apply({'params': params}, x)

    decoder = attention.MultiHeadAttention(**options, decode=True)
    cache = decoder.init(jax.random.PRNGKey(1), x)['cache']
    outputs = []
    for start, stop in [(0, 2), (2, 3), (3, 4), (4, 6)]:  # a prefix, then single steps
        out, updated = decoder.apply(
            {'params': params, 'cache': cache}, x[:, start:stop], mutable=['cache']
        )
        cache = updated['cache']
        outputs.append(out)
    np.testing.assert_allclose(jnp.concatenate(outputs, axis=1), want, atol=1e-5)
    assert int(cache['cache_index']) == 6


def test_mha_rejects_bad_config():
    x = jnp.zeros((1, 3, 6))
    allowed = 'allowed: auto, naive, xla, cudnn, pallas, chunked'
    with pytest.raises(ValueError, match=f"^attention='flash' is not a backend; {allowed}\n"):
        attention.MultiHeadAttention(num_heads=2, attention='flash').init(jax.random.PRNGKey(0), x)
    with pytest.raises(ValueError, match='num_heads=4'):
        attention.MultiHeadAttention(num_heads=4).init(jax.random.PRNGKey(0), x)


def test_kernel_regression_large_gamma_is_nearest_neighbour():
    rng = np.random.default_rng(0)
    x_data = rng.uniform(-1, 1, (20, 2)).astype(np.float32)
    y_data = rng.normal(size=(20, 3)).astype(np.float32)
    x_query = rng.uniform(-1, 1, (15, 2)).astype(np.float32)
    nearest = np.argmin(((x_query[:, None] - x_data[None]) ** 2).sum(-1), axis=1)
    estimate = attention.kernel_regression(x_query, x_data, y_data, gamma=1e5)
    np.testing.assert_allclose(estimate, y_data[nearest], atol=1e-4)
    smooth = attention.kernel_regression(x_query, x_data, y_data, gamma=1e-6)
    np.testing.assert_allclose(smooth, np.broadcast_to(y_data.mean(0), smooth.shape), atol=1e-4)
