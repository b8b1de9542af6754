"""Graph-level regression on a standardised target, with metrics in the target's data units.

The data standardise the target with train statistics, z = (y - mean) / std, and pass std as
`target_scale` (see `seqlab.data.graph_splits`). With m_i the example mask:
  loss = sum_i m_i (z_hat_i - z_i)^2 / sum_i m_i
  mae  = sum_i m_i |z_hat_i - z_i| std / sum_i m_i,   mse = sum_i m_i ((z_hat_i - z_i) std)^2 / ...
so eval/mae and eval/mse are in data units. Predictions are standardised: y_hat = mean + std z_hat
with info.extras['target_mean'] and ['target_std'].
"""

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp

from seqlab.config import ConfigError, one_of
from seqlab.tasks.base import Task

GRAPH_READOUTS = ('graph', 'sum')
# Batch keys a graph model takes, in the order of its positional inputs.
GRAPH_INPUTS = ('node_features', 'node_mask', 'degree', 'shortest_path', 'path_edge_types')


def graph_model_kwargs(info: Any) -> dict:
    """What a graph model needs from the data: the categorical vocabulary sizes."""
    return {
        'node_vocab_sizes': tuple(info.extras['node_vocab_sizes']),
        'edge_vocab_size': info.extras['edge_vocab_size'],
    }


def graph_inputs(batch: dict) -> tuple:
    return tuple(batch[key] for key in GRAPH_INPUTS)


@dataclasses.dataclass(frozen=True)
class GraphRegression(Task):
    """readout: 'graph' (the virtual token's state) or 'sum' (per-node terms summed)."""

    readout: str = 'graph'

    def model_kwargs(self, info: Any) -> dict:
        one_of('config.task.kwargs.readout', self.readout, GRAPH_READOUTS)
        if 'num_tasks' in info.extras:
            raise ConfigError(
                f'task graph_regression regresses one number per graph, and config.data.target='
                f'{info.extras["target"]!r} of dataset {info.name!r} holds '
                f'{info.extras["num_tasks"]} binary tasks; allowed: '
                "config.task.name='graph_multilabel'"
            )
        return {'num_outputs': 1, 'readout': self.readout, **graph_model_kwargs(info)}

    def inputs(self, batch: dict) -> tuple:
        return graph_inputs(batch)

    def loss(self, outputs: jax.Array, batch: dict) -> tuple[jax.Array, dict]:
        """outputs [B, 1], batch['target'] [B], ['target_scale'] [B], ['mask'] [B]."""
        error = outputs[:, 0].astype(jnp.float32) - batch['target']
        mask = batch['mask'].astype(jnp.float32)
        count = mask.sum()
        data_error = error * batch['target_scale']
        squared = (error**2 * mask).sum()
        metrics = {
            'loss': (squared, count),
            'mae': ((jnp.abs(data_error) * mask).sum(), count),
            'mse': ((data_error**2 * mask).sum(), count),
        }
        return squared / jnp.maximum(count, 1.0), metrics

    def predict(self, outputs: jax.Array) -> dict:
        return {'prediction': outputs[:, 0]}
