"""Ancestral sampling from a WaveNet, fast and naive, with the same random draws:

    q_0 = levels // 2 (µ-law silence),   q_{t+1} ~ softmax(logits_t / temperature)  with key fold_in(rng, t)

fast:  `WaveNet.step` with per-layer queues, O(layers) per sample.
naive: a full forward pass over the last receptive-field window [t - R + 1, t] for every sample,
       O(R · layers) per sample (the output head only at position t). Samples before the window cannot reach logits_t, and a window
       starting at 0 sees the same zero padding as the queues, so both give the same samples.
Both return a jitted `sample(params, labels [B], rng) -> q_1..q_N [B, N] int32`.
"""

from collections.abc import Callable

import jax
import jax.numpy as jnp

from seqlab.models.wavenet import WaveNet

Sampler = Callable[[dict, jax.Array, jax.Array], jax.Array]


def draw(logits: jax.Array, rng: jax.Array, t: jax.Array, temperature: float) -> jax.Array:
    return jax.random.categorical(jax.random.fold_in(rng, t), logits / temperature).astype(
        jnp.int32
    )


def fast_sampler(model: WaveNet, num_samples: int, temperature: float = 1.0) -> Sampler:
    def sample(params, labels, rng):
        def one(carry, t):
            token, cache = carry
            logits, cache = model.apply({'params': params}, token, labels, cache, method='step')
            token = draw(logits, rng, t, temperature)
            return (token, cache), token

        first = jnp.full(labels.shape, model.levels // 2, jnp.int32)
        _, tokens = jax.lax.scan(
            one, (first, model.cache(labels.shape[0])), jnp.arange(num_samples)
        )
        return tokens.T

    return jax.jit(sample)


def last_logits(model: WaveNet, tokens: jax.Array, labels: jax.Array, t: jax.Array) -> jax.Array:
    """logits [B, levels] at position t of a full pass over tokens [B, T]."""
    skip = model.skip_sum(model.embed(tokens), labels)
    return model.head(jnp.take(skip, t, axis=1))


def naive_sampler(model: WaveNet, num_samples: int, temperature: float = 1.0) -> Sampler:
    window = model.receptive_field

    def sample(params, labels, rng):
        def one(history, t):
            start = jnp.maximum(0, t - window + 1)
            inputs = jax.lax.dynamic_slice_in_dim(history, start, window, axis=1)
            logits = model.apply({'params': params}, inputs, labels, t - start, method=last_logits)
            token = draw(logits, rng, t, temperature)
            return jax.lax.dynamic_update_index_in_dim(history, token, t + 1, axis=1), token

        history = jnp.zeros((labels.shape[0], num_samples + window), jnp.int32)
        history = history.at[:, 0].set(model.levels // 2)
        _, tokens = jax.lax.scan(one, history, jnp.arange(num_samples))
        return tokens.T

    return jax.jit(sample)
