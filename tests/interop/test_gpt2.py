"""GPT-2: transformers checkpoints load into seqlab's GPT with the same logits, export back, and
greedy generation with seqlab's KV cache picks the same tokens as transformers' generate."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import transformers

from seqlab.models.gpt import generate
from tests.interop.hf import exported, logits, saved

VARIANTS = {
    'gpt2': dict(),
    'exact_gelu_untied': dict(
        activation_function='gelu', tie_word_embeddings=False, n_inner=24, layer_norm_epsilon=1e-3
    ),
}
TOKENS = np.random.RandomState(0).randint(0, 61, size=(2, 12))


@pytest.fixture(scope='module', params=sorted(VARIANTS))
def checkpoint(request, tmp_path_factory):
    """(directory, transformers model) of a tiny perturbed GPT-2."""
    config = transformers.GPT2Config(
        vocab_size=61,
        n_positions=48,
        n_embd=16,
        n_layer=2,
        n_head=2,
        bos_token_id=None,
        eos_token_id=None,
        **VARIANTS[request.param],
    )
    torch.manual_seed(0)
    return saved(transformers.GPT2LMHeadModel(config), tmp_path_factory.mktemp(request.param))


def test_logits_equal_transformers(checkpoint, loaded):
    model, variables = loaded
    ours = np.asarray(model.apply(variables, jnp.asarray(TOKENS, jnp.int32)))
    theirs = logits(checkpoint[1], TOKENS)
    assert ours.shape == theirs.shape == (2, 12, 61)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5)


def test_export_loads_in_transformers_with_the_same_logits(checkpoint, loaded, tmp_path):
    back = exported(*loaded, transformers.GPT2LMHeadModel, tmp_path)
    np.testing.assert_allclose(
        logits(back, TOKENS), logits(checkpoint[1], TOKENS), rtol=0, atol=1e-6
    )


@pytest.mark.parametrize('checkpoint', ['gpt2'], indirect=True)
def test_greedy_generation_equals_transformers(checkpoint, loaded):
    model, variables = loaded
    prompt = TOKENS[:, :4]
    greedy = jax.jit(lambda params, ids: generate(model, params, ids, 32, temperature=0.0))
    ours = greedy(variables['params'], jnp.asarray(prompt, jnp.int32))  # one compilation
    with torch.no_grad():
        theirs = checkpoint[1].generate(
            torch.as_tensor(prompt),
            attention_mask=torch.ones(prompt.shape, dtype=torch.long),
            do_sample=False,
            max_new_tokens=32,
            min_new_tokens=32,
            pad_token_id=0,
        )
    np.testing.assert_array_equal(np.asarray(ours), theirs[:, 4:].numpy())
    assert len(np.unique(np.asarray(ours))) > 3  # not a constant continuation
