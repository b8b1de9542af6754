"""Training runs as real processes, and what they leave in their workdir.

`Launch` starts `python launch.py` exactly as a user would (its stderr is collected by a thread, so
a chatty run never blocks on a full pipe), from a copy of the source taken once per test process:
the runs of one test execute the same code even while the checkout is edited (a shared tree edited
between a reference run and a resume made the resumed parameters differ by a few ulps). The readers
below parse the workdir strictly, so a torn or duplicated record fails the test instead of being
skipped.
"""

import atexit
import contextlib
import functools
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import ml_collections
import numpy as np

from seqlab import launcher
from seqlab.train import checkpoint, loop
from tests.conftest import REPO

TIMEOUT = 600  # seconds; generous, the machine may be shared
LOG_COMPILES = {'JAX_LOG_COMPILES': '1'}  # a launch's env: every trace and XLA compilation logged


@functools.cache
def source_tree() -> str:
    """A copy of launch.py, seqlab/ and configs/ (removed at exit) that every `Launch` runs from."""
    tree = tempfile.mkdtemp(prefix='seqlab_source_')
    atexit.register(shutil.rmtree, tree, ignore_errors=True)
    shutil.copy(os.path.join(REPO, 'launch.py'), tree)
    for name in ('seqlab', 'configs'):
        shutil.copytree(
            os.path.join(REPO, name),
            os.path.join(tree, name),
            ignore=shutil.ignore_patterns('__pycache__'),
        )
    return tree


class Launch:
    """`python launch.py --config=SPEC --config.k=v ... --workdir=WORKDIR` in a subprocess."""

    def __init__(
        self,
        spec: str,
        overrides: Mapping[str, Any],
        workdir: os.PathLike,
        *,
        env: Mapping[str, str] | None = None,
        tree: str | None = None,
        prefix: Sequence[str] = (),
        flags: Sequence[str] = (),
    ):
        """`tree`: the source copy to run (default `source_tree()`); `prefix`: a command that
        runs python (such as `setpriv ...`); `flags`: more launch.py flags (`--mode=eval`)."""
        self.workdir = str(workdir)
        self._log_at_start = metrics_file_id(self.workdir)  # a resumed run replaces the file
        args = [
            f'--config={spec}',
            *(f'--config.{k}={v}' for k, v in overrides.items()),
            *flags,
        ]
        self.process = subprocess.Popen(
            [*prefix, sys.executable, 'launch.py', *args, f'--workdir={self.workdir}'],
            cwd=tree or source_tree(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self._lines: list[str] = []
        self._reader = threading.Thread(target=self._collect, daemon=True)
        self._reader.start()

    def _collect(self) -> None:
        for line in self.process.stderr:
            self._lines.append(line)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def stderr(self) -> str:
        return ''.join(self._lines)

    def wait(self, timeout: float = TIMEOUT) -> int:
        """The exit code (negative: killed by that signal)."""
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        return code

    def until(self, condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
        """Poll `condition` while the run is alive; fail naming `what` if it exits or times out."""
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                raise AssertionError(
                    f'run exited ({self.process.returncode}) before {what}:\n{self.stderr[-3000:]}'
                )
            if time.monotonic() > deadline:
                raise AssertionError(f'{what}: not within {timeout} s')
            time.sleep(0.005)

    def signal_at(self, step: int, signum: int) -> int:
        """Send `signum` once this run has logged `step`; returns the exit code. A resumed run
        starts by rewriting metrics.jsonl without the steps after its checkpoint: until then the
        file's steps are the killed run's, and signalling on them would hit the starting process
        before it handles signals."""
        self.until(
            lambda: (
                metrics_file_id(self.workdir) not in (None, self._log_at_start)
                and last_logged_step(self.workdir) >= step
            ),
            f'step {step} logged',
        )
        self.process.send_signal(signum)
        return self.wait()

    def finished(self) -> None:
        """Wait for a successful exit."""
        code = self.wait()
        assert code == 0, f'run failed ({code}):\n{self.stderr[-3000:]}'


def in_process(
    spec: str,
    overrides: Mapping[str, Any],
    workdir: os.PathLike,
    env: Mapping[str, str] = {},
    mode: str = 'train',
) -> tuple[int, str]:
    """What `Launch(spec, overrides, workdir, env=env, flags=[f'--mode={mode}'])` runs
    (`launcher.run`), in this process, where the process boundary is not what a test proves (a
    launch's seconds of Python start-up and imports saved): every trace and compilation logged as
    JAX_LOG_COMPILES=1 logs them, this process's environment as it was afterwards. -> (exit code,
    stderr)."""
    stderr, saved = io.StringIO(), dict(os.environ)
    os.environ.update(env)
    try:
        with contextlib.redirect_stderr(stderr), jax.log_compiles(True):
            launcher.run(
                os.path.join(REPO, spec),
                {k: str(v) for k, v in overrides.items()},
                str(workdir),
                mode,
            )
    except SystemExit as exit_:
        return exit_.code, stderr.getvalue()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return 0, stderr.getvalue()


def kill_at(spec: str, overrides: Mapping[str, Any], workdir: os.PathLike, step: int) -> None:
    """Start a run and SIGKILL it once `step` is logged."""
    code = Launch(spec, overrides, workdir).signal_at(step, signal.SIGKILL)
    assert code == -signal.SIGKILL, f'expected death by SIGKILL, got exit code {code}'


def json_lines(path: os.PathLike) -> list[dict]:
    """Every line of a JSONL file; a torn (unterminated or unparsable) line fails."""
    with open(path) as f:
        text = f.read()
    assert not text or text.endswith('\n'), f'{path}: last line is torn: {text[-200:]!r}'
    return [json.loads(line) for line in text.splitlines()]


def records(workdir: os.PathLike) -> list[dict]:
    return json_lines(os.path.join(workdir, 'metrics.jsonl'))


def metric(workdir: os.PathLike, name: str) -> dict[int, float]:
    """step -> value of `name`; a step logged twice fails."""
    pairs = [(r['step'], r[name]) for r in records(workdir) if name in r]
    steps = [step for step, _ in pairs]
    assert len(set(steps)) == len(steps), f'{name}: a step is logged twice: {steps}'
    return dict(pairs)


def metrics_file_id(workdir: os.PathLike) -> tuple[int, int] | None:
    """(device, inode) of metrics.jsonl, None while it does not exist."""
    try:
        stat = os.stat(os.path.join(workdir, 'metrics.jsonl'))
    except (FileNotFoundError, NotADirectoryError):  # no workdir yet, or a file in its place
        return None
    return stat.st_dev, stat.st_ino


def last_logged_step(workdir: os.PathLike) -> int:
    """The step of the last complete metrics line (0 before the first)."""
    path = os.path.join(workdir, 'metrics.jsonl')
    if not os.path.exists(path):
        return 0
    with open(path) as f:
        lines = [line for line in f if line.endswith('\n')]
    return json.loads(lines[-1])['step'] if lines else 0


def example_ids(workdir: os.PathLike) -> dict[int, list[int]]:
    """step -> ids of its batch, from `example_ids.jsonl` (config.log_example_ids)."""
    rows = json_lines(os.path.join(workdir, 'example_ids.jsonl'))
    steps = [row['step'] for row in rows]
    assert steps == sorted(set(steps)), f'example id steps out of order or repeated: {steps}'
    return {row['step']: row['ids'] for row in rows}


def checkpoint_steps(workdir: os.PathLike) -> list[int]:
    """The committed checkpoint steps (directories named by an integer)."""
    directory = os.path.join(workdir, 'checkpoints')
    return sorted(int(name) for name in os.listdir(directory) if name.isdigit())


def snapshot(workdir: os.PathLike) -> dict[str, bytes]:
    """Every file under `workdir` by relative path (to prove nothing changed)."""
    files = {}
    for root, _, names in os.walk(workdir):
        for name in names:
            path = os.path.join(root, name)
            with open(path, 'rb') as f:
                files[os.path.relpath(path, workdir)] = f.read()
    return files


def config_of(spec: str, overrides: Mapping[str, Any]) -> ml_collections.ConfigDict:
    """The config `launch.py --config=SPEC --config.k=v ...` resolves to."""
    return launcher.load_config(os.path.join(REPO, spec), {k: str(v) for k, v in overrides.items()})


def run_for(spec: str, overrides: Mapping[str, Any], workdir: os.PathLike) -> loop.Run:
    """The in-process `Run` of this config over `workdir` (to read its checkpoints)."""
    return loop.Run(config_of(spec, overrides), str(workdir), mode='eval')


def restore(
    run: loop.Run, step: int | None = None, workdir: os.PathLike | None = None
) -> tuple[Any, dict, int]:
    """(TrainState, data iterator state, step) of checkpoint `step` (default: the latest) of the
    run's workdir, or of `workdir` holding checkpoints of the same config."""
    directory = os.path.join(workdir or run.workdir, 'checkpoints')
    ckpt = checkpoint.Checkpointer(directory)
    try:
        return ckpt.restore(run.abstract_state, step)
    finally:
        ckpt.close()


def assert_bitwise_equal(expected: Any, got: Any, what: str) -> None:
    """Every leaf of two pytrees has the same dtype, shape and bytes."""
    flat_a, tree_a = jax.tree_util.tree_flatten_with_path(expected)
    flat_b, tree_b = jax.tree_util.tree_flatten_with_path(got)
    assert tree_a == tree_b, f'{what}: tree structures differ'
    for (path, a), (_, b) in zip(flat_a, flat_b, strict=True):
        if jax.dtypes.issubdtype(a.dtype, jax.dtypes.prng_key):
            a, b = jax.random.key_data(a), jax.random.key_data(b)
        a, b = np.asarray(a), np.asarray(b)
        name = jax.tree_util.keystr(path)
        assert (a.dtype, a.shape) == (b.dtype, b.shape), f'{what}{name}: dtype or shape differ'
        assert a.tobytes() == b.tobytes(), f'{what}{name}: values differ'
