"""A sweep worker: queue the next trial, let Optuna run it (heartbeats, stale-trial retries), repeat.

Every worker (a thread of `--sweep_parallel`, another process, another machine) runs this loop on
the same study until no trial is left: free slots are queued, queued trials are run, and trials
running elsewhere are waited for (they finish, or their heartbeat stops and they are queued again).
Failed trials stay failed until `--sweep_retry_failed`.
"""

import dataclasses
import functools
import logging
import os
import threading
import time
from collections.abc import Callable

import optuna
from optuna.trial import TrialState

from seqlab.sweep import study as study_lib
from seqlab.sweep import trial as trial_lib
from seqlab.sweep.definition import Sweep, suggest

WAIT_POLL_SECONDS = 1.0  # how often a worker with nothing to run looks at the running trials

log = logging.getLogger('seqlab')


class TrialFailed(Exception):
    """The trial process failed; the message is its error line."""


class Interrupted(Exception):
    """The worker was asked to stop while trial `number` (an Optuna trial number) ran."""

    def __init__(self, number: int):
        super().__init__(f'interrupted Optuna trial {number}')
        self.number = number


@dataclasses.dataclass
class Context:
    """What every worker of one sweep shares."""

    spec: str
    directory: str
    sweep: Sweep
    overrides: dict[str, str]  # the command line's --config.k=v, under the trial's own
    metric: str
    mode: str
    heartbeat: int
    processes: trial_lib.Processes
    stop: threading.Event
    on_change: Callable[[optuna.Study], None]  # called after every trial (writes results)


def trial_dir(directory: str, slot: int) -> str:
    return os.path.join(directory, 'trials', str(slot))


def log_path(directory: str, slot: int) -> str:
    return os.path.join(directory, 'logs', f'trial_{slot}.log')


def objective(context: Context, trial: optuna.Trial) -> float:
    """Run trial `slot` to the end in its workdir; its value is the best eval metric."""
    slot = trial.user_attrs.get('slot')
    if slot is None:
        raise optuna.TrialPruned('another worker took the queued trial')
    duplicate = study_lib.duplicate_of(trial.study, trial.number, slot)
    if duplicate is not None:
        raise optuna.TrialPruned(f'trial {slot} runs or ran as Optuna trial {duplicate}')
    trial.set_user_attr('error', '')  # a retried trial inherits its predecessor's attributes
    trial.study.sampler = study_lib.sampler(context.sweep, slot)  # before the first suggest
    overrides = suggest(trial, context.sweep)
    workdir, path = trial_dir(context.directory, slot), log_path(context.directory, slot)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    offset = os.path.getsize(path) if os.path.exists(path) else 0
    log.info(
        'trial %d started: %s (log %s)',
        slot,
        ' '.join(f'--config.{k}={v}' for k, v in overrides.items()),
        path,
    )
    start = time.perf_counter()
    argv = trial_lib.command(context.spec, workdir, {**context.overrides, **overrides})
    returncode = context.processes.run(argv, path)
    wall = trial.user_attrs.get('wall_s', 0.0) + time.perf_counter() - start
    trial.set_user_attr('wall_s', round(wall, 1))
    if returncode != 0 and context.stop.is_set():
        raise Interrupted(trial.number)
    try:
        if returncode != 0:
            raise TrialFailed(trial_lib.error_line(path, offset, returncode))
        result = trial_lib.outcome(workdir, context.metric, context.mode)
    except (TrialFailed, ValueError) as error:
        trial.set_user_attr('error', str(error))
        log.warning('trial %d failed: %s', slot, error)
        raise TrialFailed(str(error)) from None
    for key, value in result.items():
        trial.set_user_attr(key, value)
    log.info(
        'trial %d complete: best %s %.4f at step %d (%.0f s)',
        slot,
        context.metric,
        result['best'],
        result['best_step'],
        wall,
    )
    return result['best']


def work(context: Context, study: optuna.Study) -> None:
    """Run trials of `study` until none is free, queued or running elsewhere, or a stop."""
    waiting_for: set[int] = set()
    while not context.stop.is_set():
        study_lib.fail_stale(study)
        latest = study_lib.slots(study)
        free = next((s for s in range(context.sweep.size) if s not in latest), None)
        if free is not None:
            study_lib.enqueue(study, context.sweep, free)
        elif not any(t.state == TrialState.WAITING for t in latest.values()):
            running = {s for s, t in latest.items() if t.state == TrialState.RUNNING}
            if not running:
                return
            if running != waiting_for:
                log.info('waiting for running trials %s', sorted(running))
                waiting_for = running
            context.stop.wait(min(context.heartbeat, WAIT_POLL_SECONDS))
            continue
        try:
            study.optimize(functools.partial(objective, context), n_trials=1, catch=(TrialFailed,))
        except Interrupted as stopped:
            interrupted = study.get_trials(deepcopy=False)[stopped.number]
            study_lib.retry(study, interrupted)  # the next run resumes it from its checkpoints
            log.warning('trial %d interrupted; queued to resume', study_lib.slot_of(interrupted))
            return
        finally:
            context.on_change(study)
