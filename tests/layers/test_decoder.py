import jax
import jax.numpy as jnp
import numpy as np

from seqlab.layers.attention import padding_mask
from seqlab.layers.decoder import Decoder


def _normal(shape, seed=0):
    """Test inputs from numpy: every new shape drawn with jax.random costs a compile."""
    return jnp.asarray(np.random.default_rng(seed).normal(size=shape), jnp.float32)


LAYERS = dict(num_layers=2, num_heads=2, mlp_dim=16)


def _inputs():
    x = _normal((2, 6, 8), 0)
    encoded = _normal((2, 5, 8), 1)
    return x, encoded


def test_incremental_decoding_equals_full_causal_pass():
    x, encoded = _inputs()
    cross_mask = padding_mask(jnp.array([5, 3]), 5)[:, None, None, :]
    decoder = Decoder(**LAYERS, scan=True, decode=True)  # caches stacked on the layer axis too
    variables = decoder.init(jax.random.PRNGKey(2), x, encoded)
    params, cache = variables['params'], variables['cache']
    want = Decoder(**LAYERS, scan=True).apply({'params': params}, x, encoded, cross_mask=cross_mask)

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

    out = run(x, encoded)
    for s in range(1, 6):  # change the input from position s on: earlier outputs are untouched
        changed = run(x.at[:, s:].add(3.0), encoded)
        np.testing.assert_array_equal(changed[:, :s], out[:, :s])
        assert float(jnp.abs(changed[:, s] - out[:, s]).min()) > 0

    noisy = encoded.at[1, 3:].set(100.0)  # padded encoder positions of example 1
    np.testing.assert_allclose(run(x, noisy), out, atol=1e-5)
    assert float(jnp.abs(run(x, noisy.at[1, 0].set(5.0)) - out).max()) > 1e-3


def test_decoder_without_encoder_has_no_cross_attention():
    x, _ = _inputs()
    params = Decoder(**LAYERS, scan=False).init(jax.random.PRNGKey(0), x)['params']
    assert set(params['blocks_0']) == {'self_attention', 'self_attention_norm', 'mlp', 'mlp_norm'}
