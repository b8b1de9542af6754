"""BERT: transformers BertForMaskedLM checkpoints load into seqlab's BERT with the same masked-LM
logits on every real token of padded rows, export back, and start a classifier's fine-tuning."""

import logging

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import transformers

from seqlab import interop
from seqlab.interop import finetune
from seqlab.models.bert import BERT
from tests.interop.hf import exported, logits, saved

VARIANTS = {
    'bert': dict(),
    'tanh_gelu_untied': dict(hidden_act='gelu_new', tie_word_embeddings=False, layer_norm_eps=1e-5),
}
LENGTHS = (12, 7)
MASK = (np.arange(12)[None, :] < np.array(LENGTHS)[:, None]).astype(np.int64)  # [B, T] 0/1
TOKENS = np.where(MASK, np.random.RandomState(0).randint(1, 37, size=MASK.shape), 0)
TYPES = (np.arange(12)[None, :] >= 4).astype(np.int64) * MASK  # sentence A, then sentence B


@pytest.fixture(scope='module', params=sorted(VARIANTS))
def checkpoint(request, tmp_path_factory):
    """(directory, transformers model) of a tiny perturbed BertForMaskedLM."""
    config = transformers.BertConfig(
        vocab_size=37,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=24,
        max_position_embeddings=16,
        **VARIANTS[request.param],
    )
    return saved(transformers.BertForMaskedLM(config), tmp_path_factory.mktemp(request.param))


def test_logits_on_real_tokens_equal_transformers(checkpoint, loaded):
    model, variables = loaded
    ours = np.asarray(model.apply(variables, jnp.asarray(TOKENS, jnp.int32), jnp.asarray(MASK)))
    theirs = logits(checkpoint[1], TOKENS, attention_mask=MASK)
    assert ours.shape == theirs.shape == (2, 12, 37)
    real = MASK.astype(bool)
    np.testing.assert_allclose(ours[real], theirs[real], rtol=0, atol=1e-5)


def test_token_types_equal_transformers(checkpoint, loaded):
    model, variables = loaded
    ours = model.apply(variables, jnp.asarray(TOKENS), jnp.asarray(MASK), jnp.asarray(TYPES))
    theirs = logits(checkpoint[1], TOKENS, attention_mask=MASK, token_type_ids=TYPES)
    real = MASK.astype(bool)
    np.testing.assert_allclose(np.asarray(ours)[real], theirs[real], rtol=0, atol=1e-5)


def test_export_loads_in_transformers_with_the_same_logits(checkpoint, loaded, tmp_path):
    back = exported(*loaded, transformers.BertForMaskedLM, tmp_path)
    np.testing.assert_allclose(
        logits(back, TOKENS, attention_mask=MASK),
        logits(checkpoint[1], TOKENS, attention_mask=MASK),
        rtol=0,
        atol=1e-6,
    )


def test_a_classifier_starts_from_a_masked_lm_checkpoint(tmp_path, caplog):
    """The encoder and embeddings are copied, the classifier is new, the masked-LM head unused."""
    masked_lm = BERT(vocab_size=37, width=16, depth=1, heads=2, mlp_dim=24, type_vocab_size=2)
    tokens = jnp.ones((1, 8), jnp.int32)
    params = jax.jit(masked_lm.init)(jax.random.PRNGKey(0), tokens)['params']
    interop.to_transformers(masked_lm, {'params': params}, str(tmp_path))
    classifier = masked_lm.clone(num_classes=4)
    fresh = jax.jit(classifier.init)(jax.random.PRNGKey(1), tokens)['params']
    with caplog.at_level(logging.INFO, logger='seqlab'):
        started = finetune.initial_params(str(tmp_path), classifier, (tokens,), fresh)
    assert set(started) == {'embeddings', 'encoder', 'classifier'}
    for group in ('embeddings', 'encoder'):
        jax.tree.map(np.testing.assert_array_equal, started[group], params[group])
    jax.tree.map(np.testing.assert_array_equal, started['classifier'], fresh['classifier'])
    assert 're-initialised classifier/bias (not in the checkpoint)' in caplog.text
    assert 'the model does not use: mlm_head/bias, mlm_head/transform/bias' in caplog.text
