"""Graph-level binary tasks with missing labels: each graph is measured on some of T tasks (OGB's
molecule datasets: ogbg_molpcba's 128 assays), and the loss counts the measured ones only.

batch['label'] float32 [B, T]: 1, 0, or NaN where task t was not measured on graph b
(`seqlab.data.graph_splits`). With present_bt = (label_bt is not NaN) and m_b the example mask:
  loss     = sum_{b,t present} m_b BCE(logit_bt, label_bt) / sum_{b,t present} m_b
  accuracy = sum_{b,t present} m_b [(logit_bt > 0) = label_bt] / sum_{b,t present} m_b
with BCE(z, y) = max(z, 0) - z y + log(1 + exp(-|z|)), the binary cross-entropy of sigmoid(z).
OGB ranks these datasets by ROC-AUC (molhiv) or average precision (molpcba) over each task's
whole split, which no sum over batches gives: `--mode=predict` writes `probability` [examples, T]
next to `label` (NaN kept), from which both are computed (docs/your_data.md).
"""

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp

from seqlab.config import ConfigError, one_of
from seqlab.tasks.base import Task
from seqlab.tasks.regression import GRAPH_READOUTS, graph_inputs, graph_model_kwargs


@dataclasses.dataclass(frozen=True)
class GraphMultiLabel(Task):
    """readout: 'graph' (the virtual token's state) or 'sum' (per-node terms summed)."""

    readout: str = 'graph'

    def model_kwargs(self, info: Any) -> dict:
        one_of('config.task.kwargs.readout', self.readout, GRAPH_READOUTS)
        if 'num_tasks' not in info.extras:
            raise ConfigError(
                f'task graph_multilabel needs binary tasks per graph (a float vector: 1, 0, NaN '
                f'where missing), and config.data.target={info.extras.get("target")!r} of dataset '
                f"{info.name!r} is not one; allowed: config.task.name='graph_regression' for it"
            )
        num_tasks = info.extras['num_tasks']
        return {'num_outputs': num_tasks, 'readout': self.readout, **graph_model_kwargs(info)}

    def inputs(self, batch: dict) -> tuple:
        return graph_inputs(batch)

    def loss(self, logits: jax.Array, batch: dict) -> tuple[jax.Array, dict]:
        """logits [B, T], batch['label'] [B, T] (NaN = missing), batch['mask'] [B]."""
        logits = logits.astype(jnp.float32)
        labels = batch['label']
        present = ~jnp.isnan(labels) & (batch['mask'][:, None] > 0)
        targets = jnp.where(present, labels, 0.0)  # NaN never reaches the loss or its gradient
        per_task = (
            jnp.maximum(logits, 0.0) - logits * targets + jnp.log1p(jnp.exp(-jnp.abs(logits)))
        )
        weight = present.astype(jnp.float32)
        count = weight.sum()
        loss_sum = (per_task * weight).sum()
        correct = (((logits > 0) == (targets > 0.5)) * weight).sum()
        metrics = {'loss': (loss_sum, count), 'accuracy': (correct, count)}
        return loss_sum / jnp.maximum(count, 1.0), metrics

    def predict(self, logits: jax.Array) -> dict:
        return {'probability': jax.nn.sigmoid(logits.astype(jnp.float32))}
