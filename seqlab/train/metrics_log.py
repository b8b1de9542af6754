"""Metrics to `metrics.jsonl` and TensorBoard event files (tensorboardX, no TensorFlow), plus a
progress line with step, loss, steps/s and ETA (a tqdm bar on a terminal, log lines otherwise).

On resume from step s, records after s are dropped from the JSONL file and TensorBoard events are
purged past s, so both step sequences stay strictly increasing without duplicates. Every write
reaches the files at once (the events are flushed), so a crash loses no step at or before the
checkpoint it resumes from; a JSONL line torn by a crash is dropped.

With `config.log_example_ids`, `ExampleIds` records the ids of the examples each step consumed.
"""

import json
import logging
import os
import sys
import time
from collections.abc import Sequence

import jax
import tqdm

log = logging.getLogger('seqlab')
METRICS_FILE = 'metrics.jsonl'


class JsonLines:
    """Append-only `{'step': s, ...}` records, one JSON object per line.

    Opening it for a run resumed from step s drops the records after s and a last line torn by a
    crash (one without its newline), so the steps in the file stay strictly increasing. A file
    deleted by hand is started again (a warning says which steps are gone from it); one deleted
    while the run writes it is recreated by the next record.
    """

    def __init__(self, path: str, resume_step: int = 0):
        self._path = path
        if resume_step and not os.path.exists(path):
            log.warning(
                '%s is missing: steps 1-%d are gone from it (TensorBoard events keep the '
                'metrics); it continues from step %d',
                path,
                resume_step,
                resume_step + 1,
            )
        _truncate_after(path, resume_step)

    def append(self, record: dict) -> None:
        with open(self._path, 'a') as f:
            f.write(json.dumps(record) + '\n')


class MetricWriter:
    """Append `{'step': s, name: value, ...}` records; one file per workdir, written by process 0
    (metrics are global arrays, the same on every process; the others write nothing)."""

    def __init__(self, workdir: str, resume_step: int = 0):
        self._primary = jax.process_index() == 0
        if self._primary:
            # Imported here: tensorboardX imports torch whenever it is installed (2 s of CPU), which
            # commands that stop before training (bad input, --mode=eval) need not pay.
            from tensorboardX import SummaryWriter

            self._jsonl = JsonLines(os.path.join(workdir, METRICS_FILE), resume_step)
            tensorboard = os.path.join(workdir, 'tensorboard')
            self._tb = SummaryWriter(tensorboard, purge_step=resume_step + 1)

    def write(self, step: int, metrics: dict[str, float]) -> None:
        if not self._primary:
            return
        self._jsonl.append({'step': int(step), **{k: float(v) for k, v in metrics.items()}})
        for name, value in metrics.items():
            self._tb.add_scalar(name, float(value), int(step))
        self._tb.flush()

    def close(self) -> None:
        if self._primary:
            self._tb.close()


class ExampleIds:
    """`example_ids.jsonl`: `{'step': s, 'ids': [...]}`, the `id` of every example in the batch of
    step s (-1 for padding), so interrupted and uninterrupted runs can be compared example by
    example. In a multi-process run each process writes its own share to
    `example_ids.<process>.jsonl`."""

    def __init__(self, workdir: str, resume_step: int, process_index: int, process_count: int):
        name = 'example_ids.jsonl' if process_count == 1 else f'example_ids.{process_index}.jsonl'
        self._jsonl = JsonLines(os.path.join(workdir, name), resume_step)

    def write(self, step: int, ids: Sequence[int]) -> None:
        self._jsonl.append({'step': int(step), 'ids': [int(i) for i in ids]})


def _truncate_after(path: str, step: int) -> None:
    if not os.path.exists(path):
        return
    kept = [line for line in _complete_lines(path) if json.loads(line)['step'] <= step]
    with open(path + '.tmp', 'w') as f:
        f.writelines(kept)
    os.replace(path + '.tmp', path)


def _complete_lines(path: str) -> list[str]:
    """The non-blank lines of `path` that end in a newline (a crash can tear the last one)."""
    with open(path) as f:
        return [line for line in f if line.endswith('\n') and line.strip()]


def read(workdir: str) -> list[dict]:
    """All metric records of a run, in order."""
    return [json.loads(line) for line in _complete_lines(os.path.join(workdir, METRICS_FILE))]


def best_step(workdir: str, metric: str, mode: str, steps: list[int]) -> int | None:
    """The step among `steps` whose `metric` is best ('max' or 'min' `mode`) in the run's records;
    None when none of them recorded it."""
    path = os.path.join(workdir, METRICS_FILE)
    records = read(workdir) if os.path.exists(path) else []
    scores = {r['step']: r[metric] for r in records if metric in r and r['step'] in steps}
    if not scores:
        return None
    return (max if mode == 'max' else min)(scores, key=scores.get)


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
