"""Causal language modelling: next-token cross-entropy over real tokens, and bits per byte.

inputs = tokens[:, :-1], targets y = tokens[:, 1:], weights m_t = token_mask[:, 1:] · mask:
loss = Σ m_t CE(logits_t, y_t) / Σ m_t (nats per token). When the batch carries `token_bytes`
(lossless tokenizers), bits_per_byte = Σ m_t CE_t / (ln 2 · Σ m_t bytes(y_t)).
"""

import dataclasses
import math
from typing import Any

import jax
import jax.numpy as jnp
import optax


@dataclasses.dataclass(frozen=True)
class CausalLM:
    def model_kwargs(self, info: Any) -> dict:
        return {'vocab_size': info.extras['vocab_size']}

    def inputs(self, batch: dict) -> tuple:
        return (batch['tokens'][:, :-1],)

    def loss(self, logits: jax.Array, batch: dict) -> tuple[jax.Array, dict]:
        """logits [B, T, V], batch tokens / token_mask [B, T + 1], mask [B] -> (loss, metrics)."""
        targets = batch['tokens'][:, 1:]
        weights = batch['token_mask'][:, 1:] * batch['mask'][:, None].astype(jnp.float32)
        nll = optax.softmax_cross_entropy_with_integer_labels(logits.astype(jnp.float32), targets)
        loss_sum, count = (nll * weights).sum(), weights.sum()
        correct = ((logits.argmax(-1) == targets) * weights).sum()
        metrics = {'loss': (loss_sum, count), 'accuracy': (correct, count)}
        if 'token_bytes' in batch:
            num_bytes = (batch['token_bytes'][:, 1:] * weights).sum()
            metrics['bits_per_byte'] = (loss_sum / math.log(2.0), num_bytes)
        return loss_sum / jnp.maximum(count, 1.0), metrics

    def predict(self, logits: jax.Array) -> dict:
        return {'next_token': logits.argmax(-1)}
