"""One trial = one `python launch.py --workdir=<sweep>/trials/<n> --config.k=v ...` process.

A separate process per trial: a trial that crashes, runs out of memory or is killed never takes the
sweep down, and each trial resumes from its own checkpoints like any run. On Linux the trial gets
SIGTERM (save a checkpoint, exit) if the worker that started it dies.
"""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time

from seqlab import runtime
from seqlab.train import metrics_log

LAUNCH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), 'launch.py')
DIE_WITH_PARENT = ['setpriv', '--pdeathsig', 'TERM'] if shutil.which('setpriv') else []


def command(spec: str, workdir: str, overrides: dict[str, str]) -> list[str]:
    """The trial's launch.py command line (the sweep's own overrides, then the trial's)."""
    flags = [f'--config.{key}={value}' for key, value in overrides.items()]
    return [sys.executable, LAUNCH, f'--config={spec}', f'--workdir={workdir}', *flags]


class Processes:
    """Runs trial processes and stops them all on request (SIGTERM: they save and exit).
    `sharing`: how many run at a time; each gets that share of a GPU's memory."""

    def __init__(self, sharing: int = 1):
        self._environ = {**os.environ, **runtime.share_device(sharing)}
        self._running: set[subprocess.Popen] = set()
        self._lock = threading.Lock()
        self._stopping = False

    def run(self, argv: list[str], log_path: str) -> int:
        """Run `argv` with stdout and stderr appended to `log_path`; returns the exit code."""
        with open(log_path, 'a') as log:
            log.write(f'\n=== {time.strftime("%Y-%m-%d %H:%M:%S")} {" ".join(argv)}\n')
            log.flush()
            process = subprocess.Popen(
                DIE_WITH_PARENT + argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self._environ,
                start_new_session=True,  # a Ctrl-C reaches the worker only; it forwards SIGTERM
            )
            with self._lock:
                self._running.add(process)
                if self._stopping:  # terminate() ran while this trial was starting
                    process.send_signal(signal.SIGTERM)
            try:
                return process.wait()
            finally:
                with self._lock:
                    self._running.discard(process)

    def terminate(self) -> None:
        with self._lock:
            self._stopping = True
            for process in self._running:
                process.send_signal(signal.SIGTERM)


def error_line(log_path: str, offset: int, returncode: int) -> str:
    """Why an attempt failed: its `error: ...` line, else its last line, after byte `offset`."""
    if returncode < 0:
        return f'killed by {signal.Signals(-returncode).name}'
    with open(log_path, errors='replace') as log:
        log.seek(offset)
        lines = [line.strip() for line in log if line.strip()]
    errors = [line for line in lines if line.startswith('error: ')]
    last = errors[-1] if errors else (lines[-1] if lines else 'no output')
    return f'exit code {returncode}: {last}'


def outcome(workdir: str, metric: str, mode: str) -> dict[str, float]:
    """best, best_step, final (value of `metric`) and steps of a finished run's metrics.jsonl."""
    path = os.path.join(workdir, 'metrics.jsonl')
    records = metrics_log.read(workdir) if os.path.exists(path) else []
    evals = [r for r in records if metric in r]
    if not evals:
        names = sorted({k for r in records for k in r if k != 'step'})
        raise ValueError(f'{path} has no {metric}; recorded: {", ".join(names) or "nothing"}')
    pick = max if mode == 'max' else min
    best = pick(evals, key=lambda r: r[metric])
    return {
        'best': best[metric],
        'best_step': best['step'],
        'final': evals[-1][metric],
        'steps': max(r['step'] for r in records),
    }
