"""Metrics to `metrics.jsonl` and TensorBoard event files (tensorboardX, no TensorFlow), plus a
progress line with step, loss, steps/s and ETA (a tqdm bar on a terminal, log lines otherwise).

On resume from step s, records after s are dropped from the JSONL file and TensorBoard events are
purged past s, so both step sequences stay strictly increasing without duplicates.
"""

import json
import logging
import os
import sys
import time

import tqdm
from tensorboardX import SummaryWriter

log = logging.getLogger('seqlab')


class MetricWriter:
    """Append `{'step': s, name: value, ...}` records; one file per workdir."""

    def __init__(self, workdir: str, resume_step: int = 0):
        self.path = os.path.join(workdir, 'metrics.jsonl')
        _truncate_after(self.path, resume_step)
        self._tb = SummaryWriter(os.path.join(workdir, 'tensorboard'), purge_step=resume_step + 1)

    def write(self, step: int, metrics: dict[str, float]) -> None:
        record = {'step': int(step), **{k: float(v) for k, v in metrics.items()}}
        with open(self.path, 'a') as f:
            f.write(json.dumps(record) + '\n')
        for name, value in metrics.items():
            self._tb.add_scalar(name, float(value), int(step))

    def close(self) -> None:
        self._tb.close()


def _truncate_after(path: str, step: int) -> None:
    if not os.path.exists(path):
        return
    with open(path) as f:
        kept = [line for line in f if line.strip() and json.loads(line)['step'] <= step]
    with open(path + '.tmp', 'w') as f:
        f.writelines(kept)
    os.replace(path + '.tmp', path)


def read(workdir: str) -> list[dict]:
    """All metric records of a run, in order."""
    path = os.path.join(workdir, 'metrics.jsonl')
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


class Progress:
    """Step counter with steps/s and ETA."""

    def __init__(self, first_step: int, total_steps: int):
        self.total_steps = total_steps
        self._start_step, self._start_time = first_step, time.perf_counter()
        self._bar = None
        if sys.stderr.isatty():
            self._bar = tqdm.tqdm(total=total_steps, initial=first_step, dynamic_ncols=True)

    def update(self, step: int, loss: float) -> None:
        rate = (step - self._start_step) / max(time.perf_counter() - self._start_time, 1e-9)
        eta = (self.total_steps - step) / rate if rate > 0 else float('inf')
        if self._bar is not None:
            self._bar.n = step
            self._bar.set_postfix(loss=f'{loss:.4f}', refresh=False)
            self._bar.refresh()
        else:
            log.info(
                'step %d/%d  loss %.4f  %.2f steps/s  ETA %s',
                step,
                self.total_steps,
                loss,
                rate,
                _duration(eta),
            )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _duration(seconds: float) -> str:
    if seconds == float('inf'):
        return '?'
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f'{hours}:{minutes:02d}:{secs:02d}'
