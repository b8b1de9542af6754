"""device_check.py's sections that run seqlab's real train loop (`seqlab.train.loop`).

Loop overhead: one run of the loop (prefetch, the device-side metric window, logging every
`log_every` steps, data read from the config's source) with eval and checkpoint at its last step
only. The host waits for the device only at log steps, so the call of step s + 1 right after
the log read of step s marks the moment step s finished. From the call after the first log step
to the call after the last one before the end, (time) / (steps) is the loop's time per step.
Against it: the same compiled step called back to back on one batch already on the device,
blocked once at the end — the device's time per step when the host adds nothing. The ratio
minus one is the loop's overhead; device time / loop time is the fraction of the loop's time
the device spends on steps.

Smoke configs: each config's `:smoke` variant, loaded as `launch.py` loads it, with the given
overrides, trained by `loop.train_and_evaluate` into a temporary workdir.
"""

import dataclasses
import math
import tempfile
import time
from collections.abc import Callable

import devicelib
import jax

from seqlab import launcher
from seqlab.train import loop, prefetch, sharding
from seqlab.train import precision as precision_lib


@dataclasses.dataclass
class LoopResult:
    loop_seconds: float  # per step, the real loop
    device_seconds: float  # per step, the compiled step alone

    @property
    def overhead(self) -> float:
        return self.loop_seconds / self.device_seconds - 1

    @property
    def device_busy(self) -> float:
        return self.device_seconds / self.loop_seconds


class TimedRun(loop.Run):
    """A `loop.Run` whose compiled train step records the wall time of each of its calls
    (`calls`); the step itself and its empty-window function stay at hand (`step`,
    `empty_window`)."""

    def compiled_train_step(self, start_step: int = 0) -> tuple[Callable, Callable]:
        self.step, self.empty_window = super().compiled_train_step(start_step)
        self.calls: list[float] = []

        def timed(*args):
            self.calls.append(time.perf_counter())
            return self.step(*args)

        return timed, self.empty_window


def loop_config(spec: str, overrides: dict[str, str], log_every: int, logs: int):
    """`spec` with `overrides`, `logs` log steps `log_every` apart and one more step, eval and
    checkpoint at the end only."""
    total = str(log_every * logs + 1)
    fixed = {'steps': total, 'log_every': str(log_every), 'eval_every': total}
    return launcher.load_config(spec, {**overrides, **fixed, 'checkpoint.every': total})


def loop_overhead(
    spec: str, overrides: dict[str, str], log_every: int, logs: int, device_steps: int
) -> LoopResult:
    """The real loop's and the bare device step's seconds per step (module docstring)."""
    config = loop_config(spec, overrides, log_every, logs)
    with tempfile.TemporaryDirectory() as workdir, precision_lib.scope(config):
        run = TimedRun(config, workdir)
        run.train()
        calls = run.calls  # calls[i] is the call of step i + 1
        first, last = log_every, log_every * logs  # calls right after log reads
        loop_seconds = (calls[last] - calls[first]) / (last - first)
        state, window = run.initial_state(), run.empty_window()
        batch = sharding.global_batch(prefetch.device_fields(run.plan.splits.train[0]), run.mesh)
        for _ in range(3):
            state, window, _ = run.step(state, window, batch)
        jax.block_until_ready(state)
        start = time.perf_counter()
        for _ in range(device_steps):
            state, window, _ = run.step(state, window, batch)
        jax.block_until_ready(state)
        device_seconds = (time.perf_counter() - start) / device_steps
    return LoopResult(loop_seconds, device_seconds)


@dataclasses.dataclass
class SmokeResult:
    config: str
    seconds: float
    metrics: dict[str, float] = dataclasses.field(default_factory=dict)
    error: str = ''

    @property
    def passed(self) -> bool:
        return (
            not self.error and bool(self.metrics) and all(map(math.isfinite, self.metrics.values()))
        )


def train_smoke(path: str, overrides: dict[str, str]) -> SmokeResult:
    """Train `path`'s smoke variant with `overrides`; an exception becomes the result's error."""
    start = time.perf_counter()
    try:
        config = launcher.load_config(f'{path}:smoke', overrides)
        with tempfile.TemporaryDirectory() as workdir:
            metrics = loop.train_and_evaluate(config, workdir)
    except Exception as error:  # noqa: BLE001 - reported in the config's row
        return SmokeResult(path, time.perf_counter() - start, error=devicelib.one_line(error))
    return SmokeResult(path, time.perf_counter() - start, metrics)
