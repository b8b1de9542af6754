"""The workdir is the resume contract: SIGKILL mid-run then rerun == uninterrupted, bit for bit;
SIGTERM saves a checkpoint at the current step and exits 143."""

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
from tests.conftest import REPO, launch

STEPS = 300
ARGS = [
    '--config=configs/vit.py:smoke',
    f'--config.steps={STEPS}',
    '--config.eval_every=100',
    '--config.checkpoint.every=10',
    '--config.model.kwargs.dropout=0.1',
]


def losses(workdir) -> dict[int, float]:
    with open(os.path.join(workdir, 'metrics.jsonl')) as f:
        records = [json.loads(line) for line in f]
    steps = [r['step'] for r in records if 'train/loss' in r]
    assert steps == sorted(set(steps)), 'train steps must be strictly increasing'
    return {r['step']: r['train/loss'] for r in records if 'train/loss' in r}


def final_params(workdir):
    config = launcher.load_config(
        ARGS[0].split('=', 1)[1], dict(a[len('--config.') :].split('=', 1) for a in ARGS[1:])
    )
    params, step = loop.Run(config, str(workdir), mode='eval').restore_params()
    return params, step


def start(workdir) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, 'launch.py', *ARGS, f'--workdir={workdir}'],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for_step(workdir, step: int, process: subprocess.Popen, timeout: float = 120) -> None:
    path = os.path.join(workdir, 'metrics.jsonl')
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path) and losses_nowait(path) >= step:
            return
        assert process.poll() is None, 'run ended before it could be interrupted'
        time.sleep(0.005)
    raise TimeoutError(f'step {step} not reached')


def losses_nowait(path) -> int:
    with open(path) as f:
        lines = [line for line in f if line.endswith('\n')]
    return json.loads(lines[-1])['step'] if lines else 0


@pytest.fixture(scope='module')
def uninterrupted(tmp_path_factory):
    workdir = tmp_path_factory.mktemp('uninterrupted')
    result = launch(*ARGS, f'--workdir={workdir}')
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


@pytest.mark.slow
def test_sigkill_mid_run_then_resume_is_bit_identical(uninterrupted, tmp_path):
    workdir = tmp_path / 'killed'
    process = start(workdir)
    wait_for_step(workdir, 37, process)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL
    assert max(losses(workdir)) < STEPS
    result = launch(*ARGS, f'--workdir={workdir}')
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'resumed from' in result.stderr
    expected, got = losses(uninterrupted), losses(workdir)
    assert list(got) == list(range(1, STEPS + 1))
    assert got == expected  # exact float equality, every step
    (params_a, step_a), (params_b, step_b) = final_params(uninterrupted), final_params(workdir)
    assert step_a == step_b == STEPS
    for a, b in zip(jax.tree.leaves(params_a), jax.tree.leaves(params_b), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.slow
def test_sigterm_saves_current_step_and_exits_143(uninterrupted, tmp_path):
    workdir = tmp_path / 'terminated'
    process = start(workdir)
    wait_for_step(workdir, 23, process)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=120) == loop.SIGTERM_EXIT_CODE
    last_logged = max(losses(workdir))
    assert last_logged < STEPS
    checkpoints = sorted(int(d) for d in os.listdir(workdir / 'checkpoints') if d.isdigit())
    assert checkpoints[-1] == last_logged
    result = launch(*ARGS, f'--workdir={workdir}')
    assert result.returncode == 0, result.stderr[-3000:]
    assert f'at step {last_logged}' in result.stderr
    assert losses(workdir) == losses(uninterrupted)
