"""The workdir is the resume contract. One run is SIGKILLed mid-run, rerun, SIGTERMed, rerun to the
end: its per-step losses and final parameters equal an uninterrupted run's bit for bit, SIGTERM
exits 143 with a checkpoint at exactly the last completed step, and logs have no duplicates."""

import json
import os
import signal
import subprocess
import sys
import time

import jax
import numpy as np
import pytest

from seqlab import launcher
from seqlab.train import loop
from tests.conftest import REPO

STEPS = 120
SPEC = 'configs/vit.py:smoke'
OVERRIDES = {
    'steps': str(STEPS),
    'eval_every': '40',
    'checkpoint.every': '10',
    'model.kwargs.dropout': '0.1',
}
ARGS = [f'--config={SPEC}', *(f'--config.{k}={v}' for k, v in OVERRIDES.items())]


def train_losses(workdir) -> dict[int, float]:
    with open(os.path.join(workdir, 'metrics.jsonl')) as f:
        records = [json.loads(line) for line in f]
    steps = [r['step'] for r in records if 'train/loss' in r]
    assert steps == sorted(set(steps)), f'train steps not strictly increasing: {steps}'
    return {r['step']: r['train/loss'] for r in records if 'train/loss' in r}


def last_logged_step(workdir) -> int:
    path = os.path.join(workdir, 'metrics.jsonl')
    if not os.path.exists(path):
        return 0
    with open(path) as f:
        lines = [line for line in f if line.endswith('\n')]
    return json.loads(lines[-1])['step'] if lines else 0


def start(workdir) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, 'launch.py', *ARGS, f'--workdir={workdir}'],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def interrupt_at(workdir, step: int, signum: int) -> subprocess.Popen:
    process = start(workdir)
    deadline = time.time() + 300
    while last_logged_step(workdir) < step:
        assert process.poll() is None, (
            f'run ended before step {step}: {process.stderr.read()[-2000:]}'
        )
        assert time.time() < deadline, f'step {step} not reached'
        time.sleep(0.002)
    process.send_signal(signum)
    process.wait(timeout=300)
    return process


def checkpoint_steps(workdir) -> list[int]:
    return sorted(int(d) for d in os.listdir(os.path.join(workdir, 'checkpoints')) if d.isdigit())


def final_params(workdir):
    config = launcher.load_config(os.path.join(REPO, SPEC), OVERRIDES)
    return loop.Run(config, str(workdir), mode='eval').restore_params()


@pytest.mark.slow
def test_kill_term_resume_equals_uninterrupted(tmp_path):
    reference = tmp_path / 'uninterrupted'
    uninterrupted = start(reference)  # runs on the other core meanwhile
    workdir = tmp_path / 'interrupted'

    killed = interrupt_at(workdir, 25, signal.SIGKILL)
    assert killed.returncode == -signal.SIGKILL
    assert last_logged_step(workdir) < STEPS

    terminated = interrupt_at(workdir, 63, signal.SIGTERM)
    assert terminated.returncode == loop.SIGTERM_EXIT_CODE, terminated.stderr.read()[-2000:]
    assert 'resumed from' in terminated.stderr.read()
    stopped_at = last_logged_step(workdir)
    assert stopped_at < STEPS and checkpoint_steps(workdir)[-1] == stopped_at

    finished = start(workdir)
    assert finished.wait(timeout=300) == 0
    assert f'at step {stopped_at}' in finished.stderr.read()
    assert uninterrupted.wait(timeout=300) == 0

    expected, got = train_losses(reference), train_losses(workdir)
    assert list(got) == list(range(1, STEPS + 1))
    assert got == expected  # exact float equality at every step
    (params_a, step_a), (params_b, step_b) = final_params(reference), final_params(workdir)
    assert step_a == step_b == STEPS
    for a, b in zip(jax.tree.leaves(params_a), jax.tree.leaves(params_b), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
