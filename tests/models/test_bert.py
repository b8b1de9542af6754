"""BERT: masked-LM logits tied to the token embedding, padding never changes the outputs on real
tokens, the classifier mode shares the embeddings and encoder, bad settings are one-line errors;
the masked-LM loss counts only the selected positions of real examples."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from seqlab.config import ConfigError
from seqlab.models.bert import BERT
from seqlab.tasks.masked_lm import MaskedLM

FIELDS = dict(vocab_size=30, width=16, depth=1, heads=2, mlp_dim=16, max_length=12)


def noisy_params(model, tokens):
    """Initial parameters plus N(0, 0.1^2) noise, so zero-initialised biases hide nothing."""
    params = jax.jit(model.init)(jax.random.PRNGKey(0), tokens)
    leaves, tree = jax.tree.flatten(params)
    keys = jax.random.split(jax.random.PRNGKey(1), len(leaves))
    noisy = [p + 0.1 * jax.random.normal(k, p.shape) for p, k in zip(leaves, keys, strict=True)]
    return jax.tree.unflatten(tree, noisy)


@pytest.mark.parametrize(
    'model',
    [
        BERT(**FIELDS, norm='post_ln', type_vocab_size=2),
        BERT(**FIELDS, norm='pre_ln'),
        BERT(**FIELDS, num_classes=4),
    ],
    ids=['mlm_post_ln', 'mlm_pre_ln', 'classifier'],
)
def test_padding_does_not_change_outputs_on_real_tokens(model):
    short = np.array([7, 8, 9, 5, 6], np.int32)
    batch = np.zeros((2, 12), np.int32)
    batch[0, :5], batch[1] = short, np.arange(5, 17)
    params = noisy_params(model, jnp.asarray(batch))
    apply = jax.jit(model.apply)
    padded = apply(params, jnp.asarray(batch), jnp.asarray(batch != 0))
    alone = apply(params, jnp.asarray(short[None]), jnp.ones((1, 5), bool))[0]
    np.testing.assert_allclose(padded[0, :5] if model.num_classes == 0 else padded[0], alone,
                               rtol=1e-5, atol=1e-5)  # fmt: skip
    if model.num_classes:  # fine-tuning passes tokens only: token_mask defaults to tokens != pad
        np.testing.assert_array_equal(apply(params, jnp.asarray(batch)), padded)


def test_output_layer_is_tied_to_the_token_embedding():
    tokens = jnp.array([[5, 6, 7]])
    tied = BERT(**FIELDS)
    params = jax.jit(tied.init)(jax.random.PRNGKey(0), tokens)['params']
    assert set(params) == {'embeddings', 'encoder', 'mlm_head'}
    assert set(params['mlm_head']) == {'transform', 'transform_norm', 'bias'}
    grads = jax.jit(jax.grad(lambda p: tied.apply({'params': p}, tokens)[0, 0, 9]))(params)
    # Only token 5, 6, 7 are looked up; row 9 gets a gradient through the output layer alone.
    assert float(jnp.abs(grads['embeddings']['token']['table'][9]).sum()) > 0
    untied = BERT(**FIELDS, tie_embedding=False)
    head = jax.eval_shape(untied.init, jax.random.PRNGKey(0), tokens)['params']['mlm_head']
    assert head['output']['kernel'].shape == (16, 30)


def test_classifier_shares_embeddings_and_encoder_with_the_masked_lm():
    tokens = jnp.ones((1, 6), jnp.int32)
    key = jax.random.PRNGKey(0)
    mlm = jax.eval_shape(BERT(**FIELDS).init, key, tokens)['params']
    cls = jax.eval_shape(BERT(**FIELDS, num_classes=4).init, key, tokens)['params']
    assert set(cls) == {'embeddings', 'encoder', 'classifier'}
    for name in ('embeddings', 'encoder'):
        assert jax.tree.map(jnp.shape, mlm[name]) == jax.tree.map(jnp.shape, cls[name])


@pytest.mark.parametrize(
    'kwargs, message',
    [
        ({'norm': 'sandwich'}, "config.model.kwargs.norm='sandwich' is not allowed"),
        ({'remat': 'some'}, "config.model.kwargs.remat='some' is not allowed"),
        ({'type_vocab_size': -1}, 'config.model.kwargs.type_vocab_size=-1 is not allowed'),
        ({'max_length': 8}, 'config.model.kwargs.max_length=8 is shorter than the data'),
    ],
)
def test_bad_settings_are_one_line_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message) as error:
        BERT.check(kwargs, (12,))
    assert '\n' not in str(error.value)


def test_masked_lm_loss_counts_selected_positions_of_real_examples():
    logits = jax.random.normal(jax.random.PRNGKey(0), (2, 4, 30))
    targets = jnp.array([[5, 6, 7, 8], [9, 10, 11, 12]])
    selected = jnp.array([[True, False, True, False], [True, True, True, True]])
    batch = {'targets': targets, 'target_mask': selected, 'mask': jnp.array([1.0, 0.0])}
    loss, metrics = jax.jit(MaskedLM().loss)(logits, batch)
    nll = -jax.nn.log_softmax(logits[0])[jnp.arange(4), targets[0]]
    np.testing.assert_allclose(loss, (nll[0] + nll[2]) / 2, rtol=1e-6)
    assert float(metrics['loss'][1]) == 2.0 and float(metrics['accuracy'][1]) == 2.0
    hits = (logits[0].argmax(-1) == targets[0])[jnp.array([0, 2])].sum()
    assert float(metrics['accuracy'][0]) == float(hits)
