"""Training metrics summed on the device between log steps, and the first non-finite loss.

The host does not wait for a step to read its loss: each jitted step adds its metrics
(name -> (sum, count)) into a window that stays on the device, and records there the first step
whose training loss is not finite (with that loss). The loop reads the window (`read`, one
transfer of a few scalars) at log, eval and checkpoint steps only, so between them the host runs
ahead of the device and queues the next steps.

A window is a dict: `metrics` (name -> (sum, count)), `steps` (the updates added, int32),
`non_finite_step` (0: none yet) and `non_finite_loss` (the loss sum at that step).
"""

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


def empty(metric_shapes: Any) -> dict:
    """A window of zeros for metrics shaped like `metric_shapes` (arrays or ShapeDtypeStructs)."""
    return {
        'metrics': jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), metric_shapes),
        'steps': jnp.zeros([], jnp.int32),
        'non_finite_step': jnp.zeros([], jnp.int32),
        'non_finite_loss': jnp.zeros([], jnp.float32),
    }


def add(window: dict, metrics: dict, step: jax.Array, dropped: jax.Array | bool = False) -> dict:
    """`window` plus the metrics of `step` (traced inside the train step). An update `dropped` by
    `config.optim.skip_non_finite` adds nothing; else a non-finite `metrics['loss'][0]` is
    recorded as the window's `non_finite_step` unless an earlier step already is."""
    kept = jnp.logical_not(dropped)
    loss = metrics['loss'][0].astype(jnp.float32)
    first = kept & ~jnp.isfinite(loss) & (window['non_finite_step'] == 0)
    return {
        'metrics': jax.tree.map(
            lambda total, value: total + jnp.where(kept, value, jnp.zeros_like(value)),
            window['metrics'],
            metrics,
        ),
        'steps': window['steps'] + kept.astype(jnp.int32),
        'non_finite_step': jnp.where(first, step.astype(jnp.int32), window['non_finite_step']),
        'non_finite_loss': jnp.where(first, loss, window['non_finite_loss']),
    }


@dataclasses.dataclass(frozen=True)
class Seen:
    """A window read on the host."""

    metrics: dict[str, tuple[float, float]]  # name -> (sum, count) over the kept steps
    steps: int  # updates added (dropped ones are not)
    non_finite_step: int  # the first step whose training loss was not finite; 0: none
    non_finite_loss: float


def read(window: dict) -> Seen:
    """The window on the host: one transfer, which waits for the steps it sums."""
    host = jax.device_get(window)
    return Seen(
        metrics={name: (float(s), float(c)) for name, (s, c) in host['metrics'].items()},
        steps=int(host['steps']),
        non_finite_step=int(host['non_finite_step']),
        non_finite_loss=float(np.asarray(host['non_finite_loss'])),
    )
