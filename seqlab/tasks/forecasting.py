"""Forecasting with shifted targets: predict x_{t+1} from x_1 .. x_t at every step of the window.

A window holds the context x_1 .. x_T and the next value x_{T+1} = target[0] (standardised; see
`seqlab.data.series_splits`). The model's outputs y_hat [B, P] predict the last P values of
x_2 .. x_{T+1}: P = T for a shifted head, P = 1 for a pooled head. With m_b the example mask:
  loss = sum_b m_b mean_t (y_hat_bt - x_{b,t+1})^2 / sum_b m_b           (standardised units)
  mae, mse: error of the one-step forecast of x_{T+1} in data units (times `scale`), over
            observed targets only (gaps the builder filled do not count)
Model inputs: (context [B, T], step [B]); the step drives scheduled sampling in training.
Predictions are standardised (data units: mean + std * z with info.extras).
"""

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp

from seqlab.tasks.base import Task


def next_values(batch: dict) -> jax.Array:
    """x_2 .. x_{T+1}: the context shifted by one, ending with the first target. -> [B, T]."""
    return jnp.concatenate([batch['context'][:, 1:], batch['target'][:, :1]], axis=1)


@dataclasses.dataclass(frozen=True)
class Forecasting(Task):
    def model_kwargs(self, info: Any) -> dict:
        return {}

    def inputs(self, batch: dict) -> tuple:
        return (batch['context'], batch['step'])

    def loss(self, outputs: jax.Array, batch: dict) -> tuple[jax.Array, dict]:
        """outputs [B, P], batch['context'] [B, T], ['target'] [B, H], ['scale'] [B]."""
        targets = next_values(batch)[:, -outputs.shape[1] :]
        errors = outputs.astype(jnp.float32) - targets
        mask = batch['mask'].astype(jnp.float32)
        count = mask.sum()
        loss_sum = (jnp.mean(errors**2, axis=1) * mask).sum()
        scored = mask * batch['target_observed'][:, 0]
        one_step = errors[:, -1] * batch['scale']
        metrics = {
            'loss': (loss_sum, count),
            'mae': ((jnp.abs(one_step) * scored).sum(), scored.sum()),
            'mse': ((one_step**2 * scored).sum(), scored.sum()),
        }
        return loss_sum / jnp.maximum(count, 1.0), metrics

    def predict(self, outputs: jax.Array) -> dict:
        return {'prediction': outputs[:, -1]}
