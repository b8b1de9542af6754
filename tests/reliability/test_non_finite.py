"""Non-finite values: a diverging learning rate stops the run within one step, naming the step and
what went non-finite; no checkpoint holding NaN or Inf is ever written and the last good one is
intact. The checkpointer itself refuses a non-finite state, whatever the loss said."""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from seqlab.train.checkpoint import Checkpointer
from tests.reliability import runs

SPEC = 'configs/vit.py:smoke'
DIVERGING = {
    'optim.lr': 1e9,
    'optim.clip_norm': 0.0,
    'optim.warmup': '0',
    'steps': 24,
    'log_every': 1,
    'eval_every': 24,
    'checkpoint.every': 1,
}


def all_finite(tree) -> bool:
    return all(
        np.isfinite(leaf).all()
        for leaf in jax.tree.leaves(tree)
        if jnp.issubdtype(leaf.dtype, jnp.inexact)
    )


def test_diverging_run_stops_within_one_step_without_a_non_finite_checkpoint(tmp_path):
    run = runs.Launch(SPEC, DIVERGING, tmp_path)
    assert run.wait() == 1, run.stderr[-3000:]
    errors = [line for line in run.stderr.splitlines() if line.startswith('FloatingPointError')]
    assert len(errors) == 1, run.stderr[-3000:]
    error = errors[0]
    found = re.fullmatch(
        r'FloatingPointError: (?:non-finite training metrics at step (\d+): \{.+\}'
        r'|step (\d+): non-finite values in \S.*; not checkpointed, the last checkpoint is .+)',
        error,
    )
    assert found, error
    failed = int(found[1] or found[2])
    assert runs.last_logged_step(tmp_path) in (failed - 1, failed)  # the step itself may be logged
    steps = runs.checkpoint_steps(tmp_path)
    assert steps[-1] == failed - 1, f'failed at step {failed}, checkpoints {steps}'
    reader = runs.run_for(SPEC, DIVERGING, tmp_path)
    for step in steps:
        state, _, _ = runs.restore(reader, step)
        assert all_finite((state.params, state.opt_state)), f'checkpoint {step} is not finite'


@pytest.mark.parametrize('bad', [np.nan, np.inf])
def test_checkpointer_refuses_a_non_finite_state(tmp_path, bad):
    ckpt = Checkpointer(str(tmp_path), keep=3)
    good = {'w': jnp.ones((4, 3)), 'count': jnp.asarray(1)}
    ckpt.save(1, good, {'next_index': 1})
    ckpt.wait()
    broken = {'w': good['w'].at[2, 1].set(bad), 'count': jnp.asarray(2)}
    with pytest.raises(
        FloatingPointError, match=rf'^step 2: non-finite values in w; .*{tmp_path}/1'
    ):
        ckpt.save(2, broken, {'next_index': 2})
    assert ckpt.all_steps() == [1]
    ckpt.close()
