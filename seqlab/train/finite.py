"""Non-finite training: metrics that stop the run, and updates dropped by `skip_non_finite`.

By default the first non-finite training loss stops the run, naming the step and the metric. The
step records it on the device (`window.py`) and the loop reads it at the next log, eval or
checkpoint step, before anything is logged, evaluated or saved: the run stops there, naming the
step where the loss first went non-finite, and no checkpoint of that step or a later one is
written (the checkpointer separately refuses to write a non-finite state). With
`config.optim.skip_non_finite` = N > 0 the optimizer drops such an update (`optim.make` wraps it
in `optax.apply_if_finite`) and `SkippedUpdates` reports it, stopping at N + 1 in a row.
"""

import logging
from typing import Any

import numpy as np

from seqlab.train import optim, window

log = logging.getLogger('seqlab')


def check_metrics(step: int, record: dict[str, float]) -> None:
    """Raises FloatingPointError naming the step and every non-finite metric of `record`."""
    bad = {k: v for k, v in record.items() if not np.isfinite(v)}
    if bad:
        raise FloatingPointError(f'non-finite training metrics at step {step}: {bad}')


def check_window(seen: window.Seen) -> None:
    """Raises FloatingPointError naming the first step of `seen` whose loss was not finite."""
    if seen.non_finite_step:
        check_metrics(seen.non_finite_step, {'train/loss': seen.non_finite_loss})


class SkippedUpdates:
    """Host side of `config.optim.skip_non_finite` = N: a warning per dropped update, a stop at
    N + 1 in a row, and `train/skipped_updates` (dropped since the last log line) in the log."""

    def __init__(self, limit: int):
        self.limit, self.since_log = limit, 0

    def dropped(self, step: int, opt_state: Any, metrics: dict) -> bool:
        """Whether `step`'s update was dropped; raises at N + 1 in a row."""
        in_a_row = optim.skipped_in_a_row(opt_state)
        if in_a_row is None or not (count := int(in_a_row)):
            return False
        loss = float(metrics['loss'][0]) / max(float(metrics['loss'][1]), 1.0)
        if count > self.limit:
            raise FloatingPointError(
                f'non-finite gradients at step {step} (train/loss {loss}): {count} updates in a '
                f'row dropped, more than config.optim.skip_non_finite={self.limit}'
            )
        log.warning(
            'step %d: non-finite gradients (train/loss %s); update dropped (%d in a row, '
            'config.optim.skip_non_finite=%d)',
            step,
            loss,
            count,
            self.limit,
        )
        self.since_log += 1
        return True

    def record(self) -> dict[str, float]:
        """{'train/skipped_updates': dropped since the last call} when skipping is on."""
        if not self.limit:
            return {}
        count, self.since_log = self.since_log, 0
        return {'train/skipped_updates': float(count)}
