import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqlab.layers import embed


def _normal(shape, seed=0):
    """Test inputs from numpy: every new shape drawn with jax.random costs a compile."""
    return jnp.asarray(np.random.default_rng(seed).normal(size=shape), jnp.float32)


TOKENS = st.lists(st.lists(st.integers(0, 6), min_size=5, max_size=5), min_size=2, max_size=2)


@settings(max_examples=20, deadline=None)
@given(tokens=TOKENS, lengths=st.lists(st.integers(0, 5), min_size=2, max_size=2))
def test_bag_of_words_counts_real_tokens(tokens, lengths):
    tokens = np.array(tokens)
    mask = np.arange(5)[None, :] < np.array(lengths)[:, None]
    counts = np.asarray(embed.bag_of_words(jnp.asarray(tokens), 7, jnp.asarray(mask)))
    for b in range(2):
        np.testing.assert_array_equal(counts[b], np.bincount(tokens[b, : lengths[b]], minlength=7))
    frequencies = embed.bag_of_words(jnp.asarray(tokens), 7, jnp.asarray(mask), normalize=True)
    np.testing.assert_allclose(frequencies.sum(-1), [1.0 if n else 0.0 for n in lengths], atol=1e-6)


def test_one_hot():
    np.testing.assert_array_equal(embed.one_hot(jnp.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match='vocab_size=0'):
        embed.one_hot(jnp.array([0]), 0)


def test_embedding_is_one_hot_times_table_and_attend_is_tied():
    tokens = jnp.array([[3, 1, 4], [1, 5, 0]])
    layer = embed.TokenEmbedding(vocab_size=7, features=4)
    params = layer.init(jax.random.PRNGKey(0), tokens)
    table = params['params']['table']
    np.testing.assert_allclose(layer.apply(params, tokens), embed.one_hot(tokens, 7) @ table)
    x = _normal((2, 4), 1)
    np.testing.assert_allclose(layer.apply(params, x, method='attend'), x @ table.T, atol=1e-6)
    with pytest.raises(ValueError, match='integer token ids'):
        layer.apply(params, tokens.astype(jnp.float32))
