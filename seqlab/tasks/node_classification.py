"""Node classification: cross-entropy over the labelled nodes of each graph.

With l_bn = 1 for node n of graph b when it is real, labelled in this split (`node_label_mask`)
and its graph is not padding (`mask`):
  loss = sum_bn l_bn CE(softmax(logits_bn), y_bn) / sum_bn l_bn,   accuracy likewise.
"""

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import optax

from seqlab.tasks.base import Task
from seqlab.tasks.regression import graph_inputs, graph_model_kwargs


@dataclasses.dataclass(frozen=True)
class NodeClassification(Task):
    def model_kwargs(self, info: Any) -> dict:
        return {'num_outputs': info.num_classes, 'readout': 'node', **graph_model_kwargs(info)}

    def inputs(self, batch: dict) -> tuple:
        return graph_inputs(batch)

    def loss(self, logits: jax.Array, batch: dict) -> tuple[jax.Array, dict]:
        """logits [B, N, K], batch['node_labels'] [B, N], ['node_label_mask'] [B, N]."""
        labelled = batch['node_label_mask'] & batch['node_mask'] & (batch['mask'][:, None] > 0)
        weights = labelled.astype(jnp.float32)
        count = weights.sum()
        per_node = optax.softmax_cross_entropy_with_integer_labels(
            logits.astype(jnp.float32), batch['node_labels']
        )
        loss_sum = (per_node * weights).sum()
        correct = ((logits.argmax(-1) == batch['node_labels']) * weights).sum()
        metrics = {'loss': (loss_sum, count), 'accuracy': (correct, count)}
        return loss_sum / jnp.maximum(count, 1.0), metrics

    def predict(self, logits: jax.Array) -> dict:
        return {'prediction': logits.argmax(-1), 'probability': jax.nn.softmax(logits).max(-1)}
