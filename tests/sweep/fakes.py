"""A stand-in for trial processes: writes the metrics a trial would, without training."""

import json
import os
import signal
import threading
from collections.abc import Callable

from seqlab.sweep import trial as trial_lib


def parse(argv: list[str]) -> tuple[str, dict[str, str]]:
    """(--workdir, {key: value} of --config.key=value) of a trial command line."""
    workdir = next(a.split('=', 1)[1] for a in argv if a.startswith('--workdir='))
    overrides = dict(a[len('--config.') :].split('=', 1) for a in argv if a.startswith('--config.'))
    return workdir, overrides


INTERRUPT = None  # an outcome: the worker gets SIGTERM while this trial runs


class FakeProcesses(trial_lib.Processes):
    """`outcome(workdir, overrides)` -> (exit code, eval/accuracy) or INTERRUPT; records calls."""

    def __init__(self, outcome: Callable[[str, dict], tuple[int, float] | None]):
        super().__init__()
        self.outcome = outcome
        self.calls: list[tuple[str, dict[str, str]]] = []
        self._calls_lock = threading.Lock()
        self._terminated = threading.Event()

    def terminate(self) -> None:
        super().terminate()
        self._terminated.set()

    def run(self, argv: list[str], log_path: str) -> int:
        workdir, overrides = parse(argv)
        with self._calls_lock:
            self.calls.append((workdir, overrides))
        result = self.outcome(workdir, overrides)
        if result is INTERRUPT:  # like a real trial: SIGTERM reaches it through the worker
            os.kill(os.getpid(), signal.SIGTERM)
            assert self._terminated.wait(timeout=30)
            return 143
        code, accuracy = result
        with open(log_path, 'a') as log:
            log.write('step 1 of 4\n' + (f'error: trial broke with {overrides}\n' if code else ''))
        if code == 0:
            os.makedirs(workdir, exist_ok=True)
            with open(os.path.join(workdir, 'metrics.jsonl'), 'w') as f:
                for step, value in ((2, accuracy / 2), (4, accuracy), (6, accuracy - 0.1)):
                    f.write(json.dumps({'step': step, 'eval/accuracy': value}) + '\n')
        return code
