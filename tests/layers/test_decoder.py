import jax
import jax.numpy as jnp
import numpy as np
import pytest

from seqlab.layers.attention import padding_mask
from seqlab.layers.decoder import Decoder

LAYERS = dict(num_layers=2, num_heads=2, mlp_dim=16)


def _inputs():
    x = jax.random.normal(jax.random.PRNGKey(0), (2, 6, 8))
    encoded = jax.random.normal(jax.random.PRNGKey(1), (2, 5, 8))
    return x, encoded


@pytest.mark.parametrize('scan', [False, True])
def test_incremental_decoding_equals_full_causal_pass(scan):
    x, encoded = _inputs()
    cross_mask = padding_mask(jnp.array([5, 3]), 5)[:, None, None, :]
    full = Decoder(**LAYERS, scan=scan)
    params = full.init(jax.random.PRNGKey(2), x, encoded)['params']
    want = full.apply({'params': params}, x, encoded, cross_mask=cross_mask)

    decoder = Decoder(**LAYERS, scan=scan, decode=True)
    cache = decoder.init(jax.random.PRNGKey(2), x, encoded)['cache']

    @jax.jit
    def step(cache, tokens):
        out, updated = decoder.apply(
            {'params': params, 'cache': cache},
            tokens,
            encoded,
            cross_mask=cross_mask,
            mutable=['cache'],
        )
        return out, updated['cache']

    outputs = []
    for t in range(6):
        out, cache = step(cache, x[:, t : t + 1])
        outputs.append(out)
    np.testing.assert_allclose(jnp.concatenate(outputs, axis=1), want, atol=1e-5)


def test_decoder_is_causal_and_reads_only_real_encoder_positions():
    x, encoded = _inputs()
    decoder = Decoder(**LAYERS, scan=False, norm='post_ln')
    params = decoder.init(jax.random.PRNGKey(2), x, encoded)
    cross_mask = padding_mask(jnp.array([5, 3]), 5)[:, None, None, :]

    def run(y, e):
        return decoder.apply(params, y, e, cross_mask=cross_mask)

    jacobian = jax.jacfwd(lambda y: run(y, encoded))(x)[0, :, :, 0]  # [t, c, s, c']
    sensitivity = jnp.abs(jacobian).sum(axis=(1, 3))
    assert float(jnp.triu(sensitivity, k=1).max()) == 0.0
    assert bool(jnp.all(jnp.diag(sensitivity) > 0))

    noisy = encoded.at[1, 3:].set(100.0)  # padded encoder positions of example 1
    np.testing.assert_allclose(run(x, noisy), run(x, encoded), atol=1e-5)
    assert float(jnp.abs(run(x, noisy.at[1, 0].set(5.0)) - run(x, encoded)).max()) > 1e-3


def test_decoder_without_encoder_has_no_cross_attention():
    x, _ = _inputs()
    params = Decoder(**LAYERS, scan=False).init(jax.random.PRNGKey(0), x)['params']
    assert set(params['blocks_0']) == {'self_attention', 'self_attention_norm', 'mlp', 'mlp_norm'}
