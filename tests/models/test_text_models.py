"""Text classifiers: padding never changes the logits, every real token matters, masked pooling,
a sequence longer than the learned position table is a clear error, and only positional
encodings let the transformer see word order."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from seqlab.config import ConfigError
from seqlab.models.text_cnn import TextCNN, masked_max
from seqlab.models.text_transformer import POSITIONS, TextTransformer, appended_dims

CNN = TextCNN(num_classes=5, vocab_size=30, width=8, features=6, kernel_sizes=(2, 3), depth=2)


def transformer(**kw):
    fields = dict(num_classes=5, vocab_size=30, width=16, depth=1, heads=2, mlp_dim=16)
    return TextTransformer(**{**fields, 'max_length': 12, **kw})


MODELS = [CNN, transformer(pool='cls'), transformer(pool='mean', position='sinusoidal')]
IDS = ['cnn', 'transformer_cls_learned', 'transformer_mean_sinusoidal']


def random_params(model, length=12):
    """Initial parameters plus N(0, 0.1^2) noise, so zero-initialised heads do not hide anything."""
    params = model.init(jax.random.PRNGKey(0), jnp.ones((1, length), jnp.int32))
    leaves, tree = jax.tree.flatten(params)
    keys = jax.random.split(jax.random.PRNGKey(1), len(leaves))
    noisy = [p + 0.1 * jax.random.normal(k, p.shape) for p, k in zip(leaves, keys, strict=True)]
    return jax.tree.unflatten(tree, noisy)


@pytest.mark.parametrize('model', MODELS, ids=IDS)
def test_padding_does_not_change_logits(model):
    params = random_params(model)
    rng = np.random.default_rng(0)
    rows = [rng.integers(1, 30, n) for n in (3, 12)]
    batch = np.zeros((len(rows), 12), np.int32)
    for i, row in enumerate(rows):
        batch[i, : len(row)] = row
    padded = model.apply(params, jnp.asarray(batch))
    alone = jnp.stack([model.apply(params, jnp.asarray(row[None], jnp.int32))[0] for row in rows])
    assert float(jnp.abs(padded).max()) > 1e-3
    np.testing.assert_allclose(padded, alone, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('model', MODELS, ids=IDS)
def test_every_real_token_changes_the_logits(model):
    params = random_params(model)
    tokens = jnp.array([4, 9, 2, 7, 0, 0])
    edited = jnp.stack([tokens] + [tokens.at[t].set(11) for t in range(4)])  # row 0: unedited
    out = model.apply(params, edited)
    for row in range(1, 5):
        assert not np.allclose(out[0], out[row], atol=1e-6)


def test_masked_max_ignores_padding():
    x = jnp.array([[[1.0], [5.0], [9.0]], [[-2.0], [-1.0], [7.0]]])
    mask = jnp.array([[True, True, False], [True, False, False]])
    np.testing.assert_array_equal(masked_max(x, mask), [[5.0], [-2.0]])
    np.testing.assert_array_equal(masked_max(x, jnp.zeros_like(mask)), [[0.0], [0.0]])


def test_longer_than_the_learned_table_is_an_error():
    with pytest.raises(ValueError, match='sequence length 6 > max_length=4'):
        random_params(transformer(max_length=4), length=6)
    stretched = transformer(max_length=4, interpolate=True)
    assert stretched.apply(random_params(stretched, 6), jnp.ones((1, 6), jnp.int32)).shape == (1, 5)
    with pytest.raises(ConfigError, match='max_length=4 is shorter than the data'):
        TextTransformer.check({'max_length': 4}, (6,))
    TextTransformer.check({'max_length': 4, 'interpolate': True}, (6,))
    TextTransformer.check({'max_length': 4, 'position': 'sinusoidal'}, (6,))
    with pytest.raises(ConfigError, match='position'):
        TextTransformer.check({'position': 'rotary'}, (6,))


@pytest.mark.parametrize('position', POSITIONS)
def test_only_positions_make_the_classifier_see_order(position):
    """Without positions the encoder is permutation-equivariant and the pooled logits ignore
    token order; every encoding makes a permutation of the same tokens change them."""
    model = transformer(position=position, pool='cls', position_dim=4)
    params = random_params(model)
    tokens = jnp.array([[4, 9, 2, 7, 5, 0], [7, 5, 9, 4, 2, 0]])  # row 1: row 0 shuffled
    logits = model.apply(params, tokens)
    assert logits.shape == (2, 5)
    assert np.allclose(logits[0], logits[1], atol=1e-5) == (position == 'none')


def test_appended_positions_keep_the_width_and_fit_max_length():
    assert appended_dims('onehot', 12, 4) == 12
    assert appended_dims('scalar', 12, 4) == 1
    assert appended_dims('sinusoidal_concat', 12, 4) == 4
    assert appended_dims('sinusoidal', 12, 4) == appended_dims('none', 12, 4) == 0
    params = random_params(transformer(position='onehot'))['params']
    assert params['embedding']['table'].shape == (30, 16 - 12)
    with pytest.raises(ConfigError, match="position='onehot' appends 12 dims to a width of 12"):
        TextTransformer.check({'position': 'onehot', 'max_length': 12, 'width': 12}, (12,))
    with pytest.raises(ConfigError, match='max_length=4 is shorter than the data'):
        TextTransformer.check({'position': 'scalar', 'max_length': 4, 'interpolate': True}, (6,))
    TextTransformer.check({'position': 'sinusoidal_concat', 'max_length': 4}, (6,))
