"""GPT and causal LM: causality, cached generation == recomputing the prefix (greedy and
sampled with the same keys), sampling limits,
and a loss over real tokens only with exact bits per byte."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from seqlab.models.gpt import GPT, generate, sample
from seqlab.tasks.causal_lm import CausalLM

MODEL = GPT(vocab_size=23, width=16, depth=2, heads=2, mlp_dim=32, max_length=16)
# One compilation per call instead of op-by-op dispatch of the prompt pass (half the CPU time).
jit_generate = jax.jit(generate, static_argnums=(0, 3, 4, 5))


@pytest.fixture(scope='module')
def params():
    """Parameters drawn with numpy (compiling jax.random's initialisers costs seconds on CPU)."""
    shapes = jax.eval_shape(MODEL.init, jax.random.PRNGKey(0), jnp.ones((1, 16), jnp.int32))
    rng = np.random.default_rng(0)
    return jax.tree.map(
        lambda s: jnp.asarray(0.3 * rng.standard_normal(s.shape), s.dtype), shapes['params']
    )


def test_logits_at_t_depend_only_on_tokens_up_to_t(params):
    tokens = jnp.array([[3, 8, 1, 5, 9, 2, 7, 4]])
    base = MODEL.apply({'params': params}, tokens)
    changed = MODEL.apply({'params': params}, tokens.at[0, 5].set(12))
    np.testing.assert_allclose(changed[:, :5], base[:, :5], rtol=1e-6, atol=1e-6)
    assert not np.allclose(changed[:, 5:], base[:, 5:])


def recompute(model, params, prompt, steps, temperature, top_k, rng):
    """Reference decoding: the whole prefix through the full model for every new token, token k
    drawn with fold_in(rng, k) as in generate. One padded shape, so one compilation (causal)."""
    full = jax.jit(lambda tokens: model.apply({'params': params}, tokens))
    batch, length = prompt.shape
    sequence = jnp.zeros((batch, length + steps), jnp.int32).at[:, :length].set(prompt)
    for t in range(length, length + steps):
        key = jax.random.fold_in(rng, t - length)
        sequence = sequence.at[:, t].set(sample(full(sequence)[:, t - 1], key, temperature, top_k))
    return sequence[:, length:]


@pytest.mark.parametrize(
    'position, temperature, top_k',
    [('learned', 0.0, 0), ('sinusoidal', 0.0, 0), ('learned', 1.5, 6)],
)
def test_cached_generation_equals_recomputing_the_prefix(params, position, temperature, top_k):
    model = MODEL.clone(position=position)
    if position == 'sinusoidal':
        params = {k: v for k, v in params.items() if k != 'position'}
    prompt, rng = jnp.array([[5, 6, 7], [9, 1, 3]]), jax.random.PRNGKey(3)
    cached = jit_generate(model, params, prompt, 6, temperature, top_k, rng)
    np.testing.assert_array_equal(
        cached, recompute(model, params, prompt, 6, temperature, top_k, rng)
    )
    assert len(np.unique(np.asarray(cached))) > 1  # not a constant continuation


def test_sampling_respects_top_k():
    logits = jnp.array([[0.0, 3.0, 1.0, 2.0, -1.0]])
    draws = jax.vmap(lambda k: sample(logits, k, 1.0, 2))(
        jax.random.split(jax.random.PRNGKey(0), 200)
    )
    assert set(np.unique(draws)) == {1, 3}
    assert int(sample(logits, jax.random.PRNGKey(0), 0.0, 0)[0]) == 1


def test_generation_longer_than_the_table_is_an_error(params):
    with pytest.raises(ValueError, match='max_length=16'):
        generate(MODEL, params, jnp.ones((1, 10), jnp.int32), steps=7)
    with pytest.raises(ValueError, match='sequence length 17 > max_length=16'):
        MODEL.apply({'params': params}, jnp.ones((1, 17), jnp.int32))


def test_loss_counts_real_tokens_only_and_bits_per_byte_is_exact():
    rng = np.random.default_rng(0)
    tokens = jnp.asarray(rng.integers(5, 23, (3, 6)), jnp.int32)
    token_mask = jnp.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1]], bool)
    mask = jnp.array([1.0, 1.0, 0.0])  # the third example is padding
    token_bytes = jnp.asarray(rng.integers(1, 4, (3, 6)), jnp.int32) * token_mask
    batch = {'tokens': tokens, 'token_mask': token_mask, 'mask': mask, 'token_bytes': token_bytes}
    logits = jnp.asarray(rng.normal(size=(3, 5, 23)), jnp.float32)
    task = CausalLM()
    loss, metrics = task.loss(logits, batch)
    nll = optax.softmax_cross_entropy_with_integer_labels(logits, tokens[:, 1:])
    real = [(0, t) for t in range(5)] + [(1, 0), (1, 1)]
    expected = sum(float(nll[b, t]) for b, t in real)
    np.testing.assert_allclose(loss, expected / len(real), rtol=1e-6)
    assert metrics['loss'][1] == len(real)
    num_bytes = sum(int(token_bytes[b, t + 1]) for b, t in real)
    np.testing.assert_allclose(metrics['bits_per_byte'][0], expected / math.log(2), rtol=1e-6)
    assert metrics['bits_per_byte'][1] == num_bytes
    garbage = logits.at[2].set(100.0).at[1, 3:].set(-100.0)  # padding logits never matter
    np.testing.assert_allclose(task.loss(garbage, batch)[0], loss, rtol=1e-6)
    assert task.inputs(batch)[0].shape == (3, 5)
