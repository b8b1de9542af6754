"""Seq2seq model: cached greedy decoding equals recomputing the prefix, the decoder is causal
(by gradients), source padding never changes the outputs, and lengths beyond the position tables
are clear errors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from seqlab.config import ConfigError
from seqlab.models.seq2seq import Seq2Seq, greedy_decode

MODEL = Seq2Seq(
    vocab_size=19, width=16, encoder_depth=1, decoder_depth=2, heads=2, mlp_dim=32, max_length=8
)
SOURCE = jnp.array([[5, 6, 7, 8, 9, 0], [10, 11, 12, 0, 0, 0]], jnp.int32)
SOURCE_MASK = SOURCE != 0
BOS = 1


@pytest.fixture(scope='module')
def params():
    targets = jnp.ones((1, 7), jnp.int32)
    params = MODEL.init(jax.random.PRNGKey(0), SOURCE[:1], SOURCE_MASK[:1], targets)['params']
    leaves, tree = jax.tree.flatten(params)  # + N(0, 0.5^2): outputs that vary with the inputs
    keys = jax.random.split(jax.random.PRNGKey(1), len(leaves))
    noisy = [p + 0.5 * jax.random.normal(k, p.shape) for p, k in zip(leaves, keys, strict=True)]
    return jax.tree.unflatten(tree, noisy)


def encode(params, source=SOURCE, source_mask=SOURCE_MASK):
    return MODEL.apply({'params': params}, source, source_mask, method=Seq2Seq.encode)


def test_cached_greedy_decoding_equals_recomputing_the_prefix(params):
    steps = 7
    cached = greedy_decode(MODEL, params, encode(params), SOURCE_MASK, steps, BOS)
    # Recompute every position each step (one padded shape, so one compilation: causal).
    full = jax.jit(lambda targets: MODEL.apply({'params': params}, SOURCE, SOURCE_MASK, targets))
    sequence = jnp.zeros((2, steps + 1), jnp.int32).at[:, 0].set(BOS)
    for t in range(steps):
        sequence = sequence.at[:, t + 1].set(full(sequence[:, :steps])[:, t].argmax(-1))
    np.testing.assert_array_equal(cached, sequence[:, 1:])
    assert len(np.unique(np.asarray(cached))) > 2  # not a constant output
    assert not np.array_equal(cached[0], cached[1])  # and it depends on the source


def test_decoder_is_causal_by_gradients(params):
    """d logits_t / d P_tgt[p] is zero exactly for p > t and nonzero for p <= t."""
    targets = jnp.array([[BOS, 4, 9, 2, 7, 3]])

    def logits(table):
        variables = {'params': {**params, 'target_position': table}}
        return MODEL.apply(variables, SOURCE[:1], SOURCE_MASK[:1], targets)[0]  # [T, V]

    jacobian = jax.jacrev(logits)(params['target_position'])  # [T, V, max_length, D]
    influence = np.abs(np.asarray(jacobian)).sum(axis=(1, 3))  # [T, max_length]
    length = targets.shape[1]
    future = np.arange(MODEL.max_length)[None, :] > np.arange(length)[:, None]
    assert np.all(influence[future] == 0.0)
    assert np.all(influence[~future] > 1e-6)


def test_source_padding_never_changes_the_outputs(params):
    targets = jnp.array([[BOS, 4, 9, 2], [BOS, 3, 3, 8]])
    base = MODEL.apply({'params': params}, SOURCE, SOURCE_MASK, targets)
    # Garbage in the padding and two more padded positions.
    garbage = jnp.where(SOURCE_MASK, SOURCE, 17)
    longer = jnp.pad(garbage, ((0, 0), (0, 2)), constant_values=13)
    longer_mask = jnp.pad(SOURCE_MASK, ((0, 0), (0, 2)))
    padded = MODEL.apply({'params': params}, longer, longer_mask, targets)
    np.testing.assert_allclose(padded, base, rtol=1e-5, atol=1e-5)
    decoded = greedy_decode(MODEL, params, encode(params), SOURCE_MASK, 5, BOS)
    decoded_padded = greedy_decode(
        MODEL, params, encode(params, longer, longer_mask), longer_mask, 5, BOS
    )
    np.testing.assert_array_equal(decoded_padded, decoded)
    # Every real source token does matter.
    for position in range(3):
        edited = SOURCE.at[1, position].set(15)
        out = MODEL.apply({'params': params}, edited, SOURCE_MASK, targets)
        assert not np.allclose(out[1], base[1], atol=1e-5)
        np.testing.assert_allclose(out[0], base[0], rtol=1e-5, atol=1e-5)


def test_lengths_beyond_the_position_tables_are_errors(params):
    with pytest.raises(ValueError, match='target length 9 > max_length=8'):
        MODEL.apply({'params': params}, SOURCE, SOURCE_MASK, jnp.ones((2, 9), jnp.int32))
    with pytest.raises(ValueError, match='source length 9 > max_length=8'):
        encode(params, jnp.ones((1, 9), jnp.int32), jnp.ones((1, 9), bool))
    with pytest.raises(ValueError, match=r'steps=9 is not allowed; allowed: 1..max_length=8'):
        greedy_decode(MODEL, params, encode(params), SOURCE_MASK, 9, BOS)
    for shape, key in (((40, 11), 'max_length=40'), ((16, 20), 'target_length=20')):
        with pytest.raises(ConfigError, match=f'max_length=16 is shorter than the data .*{key}'):
            Seq2Seq.check({'max_length': 16}, shape)
    Seq2Seq.check({'max_length': 16, 'position': 'sinusoidal'}, (16, 11))
    with pytest.raises(ConfigError, match="position='rotary' is not allowed"):
        Seq2Seq.check({'position': 'rotary'}, (8, 8))
