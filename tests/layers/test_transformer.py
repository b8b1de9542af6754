import jax
import jax.extend
import jax.numpy as jnp
import numpy as np
import pytest

from seqlab.layers import transformer
from seqlab.layers.attention import padding_mask


def _normal(shape, seed=0):
    """Test inputs from numpy: every new shape drawn with jax.random costs a compile."""
    return jnp.asarray(np.random.default_rng(seed).normal(size=shape), jnp.float32)


BLOCK = dict(num_heads=2, mlp_dim=16)
LOOP = dict(BLOCK, scan=False)  # eager tests run op by op; each scanned apply is a fresh compile


def _x(batch=2, length=6, width=8, seed=0):
    return _normal((batch, length, width), seed)


def _layer_norm(y, params, eps=1e-6):
    mean = y.mean(-1, keepdims=True)
    variance = ((y - mean) ** 2).mean(-1, keepdims=True)
    return (y - mean) / jnp.sqrt(variance + eps) * params['scale'] + params['bias']


def test_post_ln_block_matches_formula_by_hand():
    x = _x()
    block = transformer.Block(**BLOCK, norm='post_ln')
    params = block.init(jax.random.PRNGKey(1), x)['params']
    p = params['attention']
    heads, depth = 2, 4

    def project(name):
        return (x @ p[name]['kernel'] + p[name]['bias']).reshape(2, 6, heads, depth)

    q, k, v = project('query'), project('key'), project('value')
    scores = jnp.einsum('bqhd,bkhd->bhqk', q, k) / jnp.sqrt(depth)
    heads_out = jnp.einsum('bhqk,bkhd->bqhd', jax.nn.softmax(scores, -1), v).reshape(2, 6, 8)
    mha = heads_out @ p['out']['kernel'] + p['out']['bias']
    h = _layer_norm(mha + x, params['attention_norm'])
    m = params['mlp']
    g = _tanh_gelu(h @ m['hidden']['kernel'] + m['hidden']['bias']) @ m['output']['kernel']
    want = _layer_norm(g + m['output']['bias'] + h, params['mlp_norm'])
    np.testing.assert_allclose(block.apply({'params': params}, x), want, atol=1e-5)


def _tanh_gelu(y):
    return 0.5 * y * (1 + jnp.tanh(jnp.sqrt(2 / jnp.pi) * (y + 0.044715 * y**3)))


def test_scanned_encoder_equals_python_loop_over_blocks():
    norm = 'pre_ln'
    x = _x()
    scanned = transformer.Encoder(num_layers=3, **BLOCK, norm=norm, scan=True)
    params = scanned.init(jax.random.PRNGKey(1), x)['params']
    assert params['blocks']['mlp']['hidden']['kernel'].shape == (3, 8, 16)
    want = scanned.apply({'params': params}, x)

    y = x
    for layer in range(3):
        block_params = jax.tree.map(lambda leaf, i=layer: leaf[i], params['blocks'])
        y = transformer.Block(**BLOCK, norm=norm).apply({'params': block_params}, y)
    if norm == 'pre_ln':
        y = _layer_norm(y, params['encoder_norm'])
    np.testing.assert_allclose(y, want, atol=1e-5)

    unscanned = transformer.Encoder(num_layers=3, **BLOCK, norm=norm, scan=False)
    unstacked = transformer.unstack_blocks(params, 3)
    assert jax.tree.structure(unstacked) == jax.tree.structure(
        jax.eval_shape(unscanned.init, jax.random.PRNGKey(1), x)['params']
    )
    np.testing.assert_allclose(unscanned.apply({'params': unstacked}, x), want, atol=1e-5)
    restacked = transformer.stack_blocks(unstacked, 3)
    assert jax.tree.all(jax.tree.map(jnp.array_equal, restacked, params))


def _remat_policies(jaxpr):
    """The `policy` of every checkpoint (remat) equation, searched through nested jaxprs."""
    policies = []
    for eqn in jaxpr.eqns:
        if 'remat' in eqn.primitive.name or 'checkpoint' in eqn.primitive.name:
            policies.append(eqn.params['policy'])
        for sub in jax.extend.core.jaxprs_in_params(eqn.params):
            policies.extend(_remat_policies(sub))
    return policies


def test_remat_wraps_each_block_with_its_policy_and_keeps_values():
    x = _x()
    plain = transformer.Encoder(num_layers=2, **LOOP)
    params = plain.init(jax.random.PRNGKey(1), x)
    assert _remat_policies(jax.make_jaxpr(lambda p: plain.apply(p, x))(params).jaxpr) == []
    for remat, policy in transformer.REMAT_POLICIES.items():
        model = transformer.Encoder(num_layers=2, **LOOP, remat=remat)
        jaxpr = jax.make_jaxpr(lambda p, m=model: m.apply(p, x))(params).jaxpr
        assert _remat_policies(jaxpr) == [policy, policy]
    rematted = transformer.Encoder(num_layers=2, **LOOP, remat='dots')
    np.testing.assert_allclose(rematted.apply(params, x), plain.apply(params, x), atol=1e-6)


def test_scanned_none_keeps_only_matmul_outputs_and_the_unrolled_gradients():
    x = _x()
    scanned = transformer.Encoder(num_layers=2, **BLOCK, scan=True)
    params = scanned.init(jax.random.PRNGKey(1), x)['params']
    unrolled = transformer.Encoder(num_layers=2, **LOOP)

    def loss(model, p):
        return jnp.sum(model.apply({'params': p}, x) ** 2)

    jaxpr = jax.make_jaxpr(jax.grad(lambda p: loss(scanned, p)))(params).jaxpr
    assert _remat_policies(jaxpr) == [transformer.REMAT_POLICIES[transformer.SCANNED_NONE]]
    grads = transformer.unstack_blocks(jax.jit(jax.grad(lambda p: loss(scanned, p)))(params), 2)
    want = jax.grad(lambda p: loss(unrolled, p))(transformer.unstack_blocks(params, 2))
    jax.tree.map(lambda g, w: np.testing.assert_allclose(g, w, atol=1e-5), grads, want)


def test_padding_does_not_change_real_positions():
    lengths = jnp.array([3, 6])
    x = _x()
    noise = _normal(x.shape, 7) * 10
    real = padding_mask(lengths, 6)
    x_other_padding = jnp.where(real[..., None], x, noise)
    encoder = transformer.Encoder(num_layers=2, **LOOP)
    params = encoder.init(jax.random.PRNGKey(1), x)
    attention_mask = real[:, None, None, :]
    out = encoder.apply(params, x, attention_mask)
    out_other = encoder.apply(params, x_other_padding, attention_mask)
    np.testing.assert_allclose(
        jnp.where(real[..., None], out, 0), jnp.where(real[..., None], out_other, 0), atol=1e-5
    )
    pooled = transformer.mean_pool(out, real)
    np.testing.assert_allclose(pooled, transformer.mean_pool(out_other, real), atol=1e-5)
    np.testing.assert_allclose(pooled[0], out[0, :3].mean(0), atol=1e-6)


def test_dropout_only_in_training():
    x = _x()
    encoder = transformer.Encoder(num_layers=1, **LOOP, dropout=0.5, attention_dropout=0.5)
    params = encoder.init(jax.random.PRNGKey(1), x)
    eval_out = encoder.apply(params, x)
    no_dropout = transformer.Encoder(num_layers=1, **LOOP).apply(params, x)
    np.testing.assert_array_equal(eval_out, no_dropout)

    def train_out(seed):
        return encoder.apply(params, x, train=True, rngs={'dropout': jax.random.PRNGKey(seed)})

    np.testing.assert_array_equal(train_out(0), train_out(0))
    assert float(jnp.abs(train_out(0) - train_out(1)).max()) > 1e-3
    assert float(jnp.abs(train_out(0) - eval_out).max()) > 1e-3


def test_chunked_encoder_equals_naive():
    x = _x()
    mask = padding_mask(jnp.array([6, 2]), 6)[:, None, None, :]
    naive = transformer.Encoder(num_layers=2, **LOOP)
    params = naive.init(jax.random.PRNGKey(1), x)
    chunked = transformer.Encoder(num_layers=2, **LOOP, attention='chunked')
    np.testing.assert_allclose(
        chunked.apply(params, x, mask), naive.apply(params, x, mask), atol=1e-5
    )


def test_bfloat16_compute_keeps_float32_params():
    x = _x()
    encoder = transformer.Encoder(num_layers=1, **BLOCK, dtype=jnp.bfloat16)  # scanned carry
    params = encoder.init(jax.random.PRNGKey(1), x)
    assert {leaf.dtype for leaf in jax.tree.leaves(params)} == {jnp.dtype('float32')}
    out = encoder.apply(params, x)
    assert out.dtype == jnp.bfloat16
    want = transformer.Encoder(num_layers=1, **BLOCK).apply(params, x)
    np.testing.assert_allclose(out.astype(jnp.float32), want, atol=0.1)


def test_bad_options_name_the_value():
    x = _x()
    with pytest.raises(ValueError, match="norm='mid_ln'"):
        transformer.Block(**BLOCK, norm='mid_ln').init(jax.random.PRNGKey(0), x)
    with pytest.raises(ValueError, match="remat='some'"):
        transformer.Encoder(num_layers=1, **BLOCK, remat='some').init(jax.random.PRNGKey(0), x)


def test_class_token_is_prepended_and_learned():
    x = _x()
    token = transformer.ClassToken()
    params = token.init(jax.random.PRNGKey(0), x)
    params = jax.tree.map(lambda p: p + 3.0, params)
    out = token.apply(params, x)
    assert out.shape == (2, 7, 8)
    np.testing.assert_array_equal(out[:, 1:], x)
    np.testing.assert_array_equal(out[:, 0], jnp.full((2, 8), 3.0))
