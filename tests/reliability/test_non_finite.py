"""Non-finite values: a diverging learning rate, or one training example on disk whose sample
overflows float32 in the model, stops the run within one step, naming the step and what went
non-finite; a NaN stored in an example is refused before training, naming the record. No
checkpoint holding NaN or Inf is ever written and the last good one is intact. The checkpointer
itself refuses a non-finite state, whatever the loss said."""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from seqlab.train.checkpoint import Checkpointer
from tests.reliability import records, runs

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


# MNIST-1D signals are float32 records, so one can hold a NaN or a huge finite sample.
POISON_SPEC = 'configs/causal_cnn.py:smoke'
POISON = {'steps': 16, 'log_every': 1, 'eval_every': 16, 'checkpoint.every': 4}
POISONED_STEP = 10


def example_at(step: int) -> int:
    """The id of the first example of the batch the run trains on at `step`."""
    batches = iter(runs.run_for(POISON_SPEC, POISON, '/nonexistent').plan.splits.train)
    for _ in range(step):
        batch = next(batches)
    return int(batch['id'][0])


def poisoned_data_dir(tmp_path, source_id: int, value: float) -> tuple[str, int]:
    """(a data directory holding a copy of the prepared MNIST-1D dataset whose training record
    with id `source_id` has one sample set to `value`, that record's position in its split)."""
    prepared = records.prepared_copy(POISON_SPEC, tmp_path / 'data')
    path = records.split_file(prepared, 'train')
    position = records.position(path, source_id)
    records.rewrite(path, position, records.set_float('audio', 7, value))
    return str(tmp_path / 'data'), position


@pytest.mark.parametrize(
    ('value', 'error', 'checkpoints'),
    [
        # finite, so the data checks pass it; the model's sums overflow: the loop stops the run
        (
            3e38,
            rf'FloatingPointError: non-finite training metrics at step {POISONED_STEP}: '
            r"\{'train/loss': (nan|inf)\}",
            [4, 8],  # the last good one, 8, and nothing after
        ),
        # refused by the record scan before training (issue 8), naming the record
        (
            np.nan,
            r'error: mnist1d train record {id}: clip contains NaN or inf samples; expected finite '
            r'values',
            [],
        ),
    ],
    ids=['huge', 'nan'],
)
def test_one_bad_training_record_stops_the_run_at_its_step(tmp_path, value, error, checkpoints):
    data, position = poisoned_data_dir(tmp_path, example_at(POISONED_STEP), value)
    workdir = tmp_path / 'run'
    run = runs.Launch(POISON_SPEC, POISON, workdir, env={'SEQLAB_DATA_DIR': data})
    assert run.wait() == (1 if np.isfinite(value) else 2), run.stderr[-3000:]
    last = run.stderr.strip().splitlines()[-1]
    assert re.fullmatch(error.replace('{id}', str(position)), last), run.stderr[-3000:]
    if not checkpoints:
        assert not workdir.exists()
        return
    assert runs.last_logged_step(workdir) == POISONED_STEP - 1
    assert runs.checkpoint_steps(workdir) == checkpoints
    reader = runs.run_for(POISON_SPEC, POISON, workdir)
    for step in checkpoints:
        state, data_state, restored = runs.restore(reader, step)
        assert restored == step and data_state, f'checkpoint {step} unreadable'
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
