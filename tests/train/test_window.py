"""The asynchronous loop: metrics are summed on the device and read at log, eval and checkpoint
steps only; a non-finite loss between two reads is named at its own step and never checkpointed."""

import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from seqlab import launcher
from seqlab.train import loop
from seqlab.train import window as window_lib
from tests.conftest import REPO

SPEC = os.path.join(REPO, 'configs/vit.py:smoke')


def metrics(loss: float, count: float = 2.0) -> dict:
    return {
        'loss': (jnp.float32(loss), jnp.float32(count)),
        'accuracy': (jnp.float32(1.0), jnp.float32(count)),
    }


def test_the_first_non_finite_step_is_kept_and_dropped_updates_add_nothing():
    window = window_lib.empty(metrics(0.0))
    add = jax.jit(window_lib.add)
    losses = {1: 1.0, 2: 2.0, 3: np.inf, 4: np.nan, 5: 5.0}
    for step, loss in losses.items():
        window = add(window, metrics(loss), jnp.int32(step), step == 5)  # step 5 dropped
    seen = window_lib.read(window)
    assert (seen.non_finite_step, seen.non_finite_loss, seen.steps) == (3, np.inf, 4)
    assert seen.metrics['accuracy'] == (4.0, 8.0)
    assert isinstance(window['steps'], jax.Array)  # nothing left the device before `read`


def test_a_nan_loss_between_reads_is_named_at_its_step_and_never_checkpointed(
    tmp_path, monkeypatch
):
    poisoned, make = 6, loop.make_train_step

    def poisoning_step(plan, accum_steps):
        def train_step(state, batch):
            state, out = make(plan, accum_steps)(state, batch)
            loss, count = out['loss']
            return state, {**out, 'loss': (jnp.where(state.step == poisoned, jnp.nan, loss), count)}

        return train_step

    reads = []
    read = window_lib.read
    monkeypatch.setattr(loop, 'make_train_step', poisoning_step)
    monkeypatch.setattr(window_lib, 'read', lambda window: reads.append(1) or read(window))
    overrides = {'steps': '12', 'log_every': '4', 'eval_every': '12', 'checkpoint.every': '4'}
    config = launcher.load_config(SPEC, overrides)
    message = rf"^non-finite training metrics at step {poisoned}: \{{'train/loss': nan\}}$"
    with pytest.raises(FloatingPointError, match=message):
        loop.train_and_evaluate(config, str(tmp_path))
    assert len(reads) == 2  # steps 4 and 8 of 8 steps trained: the host read nothing else
    run = loop.Run(config, str(tmp_path), mode='eval')
    ckpt = run.checkpointer()
    assert ckpt.all_steps() == [4]
    ckpt.close()
