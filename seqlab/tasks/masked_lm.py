"""Masked language modelling: cross-entropy on the masked positions only.

The data pipeline masks the text (config.data.layout='masked_lm' at config.data.mask_rate;
seqlab.data.masking): `tokens` are the model inputs, `targets` the original ids and `target_mask`
the selected positions. With weights m_t = target_mask_t · mask (padding examples never count):
loss = Σ m_t CE(logits_t, targets_t) / Σ m_t,   accuracy = Σ m_t [argmax logits_t = targets_t] / Σ m_t.
"""

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import optax

from seqlab.tasks.base import Task


@dataclasses.dataclass(frozen=True)
class MaskedLM(Task):
    def model_kwargs(self, info: Any) -> dict:
        return {'vocab_size': info.extras['vocab_size'], 'pad_id': info.extras['pad_id']}

    def inputs(self, batch: dict) -> tuple:
        return (batch['tokens'], batch['token_mask'])

    def loss(self, logits: jax.Array, batch: dict) -> tuple[jax.Array, dict]:
        """logits [B, T, V]; batch targets / target_mask [B, T], mask [B] -> (loss, metrics)."""
        weights = batch['target_mask'] * batch['mask'][:, None].astype(jnp.float32)
        nll = optax.softmax_cross_entropy_with_integer_labels(
            logits.astype(jnp.float32), batch['targets']
        )
        loss_sum, count = (nll * weights).sum(), weights.sum()
        correct = ((logits.argmax(-1) == batch['targets']) * weights).sum()
        metrics = {'loss': (loss_sum, count), 'accuracy': (correct, count)}
        return loss_sum / jnp.maximum(count, 1.0), metrics

    def predict(self, logits: jax.Array) -> dict:
        return {'token': logits.argmax(-1)}
