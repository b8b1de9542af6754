"""Classification: softmax cross-entropy over classes, accuracy; padded examples (mask 0) never count.

loss = Σ_i m_i · CE(softmax(logits_i), y_i) / Σ_i m_i, with optional label smoothing ε:
targets (1 - ε) · onehot(y) + ε / K.
"""

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import optax

from seqlab.config import ConfigError
from seqlab.tasks.base import Task


@dataclasses.dataclass(frozen=True)
class Classification(Task):
    label_smoothing: float = 0.0
    input_key: str = 'image'

    def model_kwargs(self, info: Any) -> dict:
        """The model's `num_classes`; a ConfigError for a dataset without labels (a table
        without the column `config.data.keys.label` names)."""
        if info.num_classes < 1:
            raise ConfigError(
                f'task classification needs labels, and dataset {info.name!r} has none; allowed: '
                'a labelled dataset (for a table, config.data.keys.label=<its label column>)'
            )
        return {'num_classes': info.num_classes}

    def inputs(self, batch: dict) -> tuple:
        return (batch[self.input_key],)

    def loss(self, logits: jax.Array, batch: dict) -> tuple[jax.Array, dict]:
        """logits [B, K], batch['label'] [B] int, batch['mask'] [B] -> (mean loss, metrics)."""
        num_classes = logits.shape[-1]
        targets = optax.smooth_labels(
            jax.nn.one_hot(batch['label'], num_classes), self.label_smoothing
        )
        per_example = optax.softmax_cross_entropy(logits.astype(jnp.float32), targets)
        mask = batch['mask'].astype(jnp.float32)
        count = mask.sum()
        loss_sum = (per_example * mask).sum()
        correct = ((logits.argmax(-1) == batch['label']) * mask).sum()
        metrics = {'loss': (loss_sum, count), 'accuracy': (correct, count)}
        return loss_sum / jnp.maximum(count, 1.0), metrics

    def predict(self, logits: jax.Array) -> dict:
        return {'prediction': logits.argmax(-1), 'probability': jax.nn.softmax(logits).max(-1)}
