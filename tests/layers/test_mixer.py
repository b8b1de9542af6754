import jax
import jax.numpy as jnp
import numpy as np

from seqlab.layers.mixer import MixerBlock


def _normal(shape, seed=0):
    """Test inputs from numpy: every new shape drawn with jax.random costs a compile."""
    return jnp.asarray(np.random.default_rng(seed).normal(size=shape), jnp.float32)


def _reference(x, p):
    """The two residual MLPs written out, token mixing on the transposed input."""

    def layer_norm(y, q):
        mean = y.mean(-1, keepdims=True)
        variance = y.var(-1, keepdims=True)
        return (y - mean) / jnp.sqrt(variance + 1e-6) * q['scale'] + q['bias']

    def mlp(y, q):
        hidden = jax.nn.gelu(y @ q['hidden']['kernel'] + q['hidden']['bias'], approximate=True)
        return hidden @ q['output']['kernel'] + q['output']['bias']

    u = x + mlp(layer_norm(x, p['token_norm']).swapaxes(1, 2), p['token_mixing']).swapaxes(1, 2)
    return u + mlp(layer_norm(u, p['channel_norm']), p['channel_mixing'])


def test_mixer_block_matches_formula():
    x = _normal((2, 6, 4), 0)
    block = MixerBlock(tokens_mlp_dim=5, channels_mlp_dim=7)
    params = block.init(jax.random.PRNGKey(1), x)['params']
    assert params['token_mixing']['hidden']['kernel'].shape == (6, 5)
    assert params['channel_mixing']['hidden']['kernel'].shape == (4, 7)
    np.testing.assert_allclose(block.apply({'params': params}, x), _reference(x, params), atol=1e-5)


def test_token_mixing_is_not_permutation_equivariant():
    """Unlike attention, the token MLP weights positions: permuting patches changes the output."""
    x = _normal((1, 6, 4), 0)
    block = MixerBlock(tokens_mlp_dim=5, channels_mlp_dim=7)
    params = block.init(jax.random.PRNGKey(1), x)
    permutation = jnp.array([1, 0, 2, 3, 4, 5])
    gap = block.apply(params, x[:, permutation]) - block.apply(params, x)[:, permutation]
    assert float(jnp.abs(gap).max()) > 1e-3


def test_dropout_only_in_training():
    x = _normal((2, 6, 4), 0)
    block = MixerBlock(tokens_mlp_dim=5, channels_mlp_dim=7, dropout=0.5)
    params = block.init(jax.random.PRNGKey(1), x)
    clean = MixerBlock(tokens_mlp_dim=5, channels_mlp_dim=7).apply(params, x)
    np.testing.assert_array_equal(block.apply(params, x), clean)
    noisy = block.apply(params, x, train=True, rngs={'dropout': jax.random.PRNGKey(2)})
    assert float(jnp.abs(noisy - clean).max()) > 1e-3
