"""`config.optim.skip_non_finite=N`: an update whose gradients are not finite is dropped — the
parameters and optimizer moments stay bitwise as they were, the step is not logged as a loss but
counted in `train/skipped_updates`, a warning names it, the schedule (and the logged `train/lr`,
the rate of the last applied update) pauses — and the run stops at N + 1 dropped in a row; no
checkpoint holds a NaN or an Inf."""

import re
import signal

import numpy as np

from seqlab.train import optim
from tests.reliability import runs
from tests.reliability.test_non_finite import (
    DIVERGING,
    POISON,
    POISON_SPEC,
    POISONED_STEP,
    SPEC,
    all_finite,
    example_at,
    poisoned_data_dir,
)

SKIP = {**POISON, 'optim.skip_non_finite': 2, 'checkpoint.every': 1, 'checkpoint.keep': 20}


def test_one_overflowing_record_is_skipped_and_the_run_finishes(tmp_path):
    data, _ = poisoned_data_dir(tmp_path, example_at(POISONED_STEP), 3e38)
    workdir = tmp_path / 'run'
    run = runs.Launch(POISON_SPEC, SKIP, workdir, env={'SEQLAB_DATA_DIR': data})
    assert run.wait() == 0, run.stderr[-3000:]
    warnings = [line for line in run.stderr.splitlines() if 'update dropped' in line]
    assert len(warnings) == 1 and f'step {POISONED_STEP}: non-finite gradients' in warnings[0]
    assert '(1 in a row, config.optim.skip_non_finite=2)' in warnings[0]

    losses = runs.metric(workdir, 'train/loss')
    skipped = runs.metric(workdir, 'train/skipped_updates')
    steps = range(1, SKIP['steps'] + 1)
    assert sorted(losses) == [s for s in steps if s != POISONED_STEP]
    assert all(np.isfinite(value) for value in losses.values())
    assert skipped == {s: float(s == POISONED_STEP) for s in steps}

    reader = runs.run_for(POISON_SPEC, SKIP, workdir)
    schedule = optim.learning_rate(
        reader.config.optim, reader.plan.warmup_steps, reader.plan.total_steps
    )
    applied = [s - (s >= POISONED_STEP) for s in steps]  # the schedule pauses at the dropped step
    expected_lr = {s: float(schedule(max(n - 1, 0))) for s, n in zip(steps, applied, strict=True)}
    assert runs.metric(workdir, 'train/lr') == expected_lr
    assert runs.checkpoint_steps(workdir) == list(steps)
    before, _, _ = runs.restore(reader, POISONED_STEP - 1)
    after, _, _ = runs.restore(reader, POISONED_STEP)
    runs.assert_bitwise_equal(before.params, after.params, 'params')
    runs.assert_bitwise_equal(
        before.opt_state.inner_state, after.opt_state.inner_state, 'optimizer moments'
    )
    final, _, _ = runs.restore(reader)
    assert all_finite((final.params, final.opt_state))
    assert int(final.opt_state.total_notfinite) == 1


def test_a_diverging_run_stops_after_n_plus_one_dropped_updates_in_a_row(tmp_path):
    overrides = {**DIVERGING, 'optim.skip_non_finite': 2}
    run = runs.Launch(SPEC, overrides, tmp_path)
    assert run.wait() == 1, run.stderr[-3000:]
    last = run.stderr.strip().splitlines()[-1]
    found = re.fullmatch(
        r'FloatingPointError: non-finite gradients at step (\d+) \(train/loss \S+\): 3 updates '
        r'in a row dropped, more than config.optim.skip_non_finite=2',
        last,
    )
    assert found, run.stderr[-3000:]
    failed = int(found[1])
    dropped = [line for line in run.stderr.splitlines() if 'update dropped' in line]
    assert [f'step {failed - 2}:', f'step {failed - 1}:'] == [
        re.search(r'step \d+:', line)[0] for line in dropped
    ]
    reader = runs.run_for(SPEC, overrides, tmp_path)
    steps = runs.checkpoint_steps(tmp_path)
    assert steps[-1] == failed - 1  # the dropped steps are checkpointed, finite, the stop is not
    for step in steps:
        state, _, _ = runs.restore(reader, step)
        assert all_finite((state.params, state.opt_state)), f'checkpoint {step} is not finite'


def test_switching_skipping_on_and_off_at_a_resume_changes_nothing_else(tmp_path, smoke_run):
    """Without non-finite gradients a run trains bitwise alike with skipping on or off, and its
    checkpoint converts both ways on resume (SIGTERM, then the same command with the switch). The
    uninterrupted run without skipping is the shared `smoke_run` (tests/reliability/conftest.py)."""
    plain = smoke_run.workdir
    switched = tmp_path / 'switched'
    for stop_at, skip in ((5, 0), (13, 2)):  # between the checkpoints at 8, 16 and 24
        run = runs.Launch(SPEC, {'optim.skip_non_finite': skip}, switched)
        assert run.signal_at(stop_at, signal.SIGTERM) == 143, run.stderr[-3000:]
    run = runs.Launch(SPEC, {}, switched)
    assert run.wait() == 0, run.stderr[-3000:]
    assert 'optimizer state converted: config.optim.skip_non_finite 2 -> 0' in run.stderr
    for name in ('train/loss', 'train/lr'):
        assert runs.metric(switched, name) == runs.metric(plain, name), name
    reader = runs.run_for(SPEC, {}, switched)
    plain_state, _, _ = runs.restore(reader, workdir=plain)
    resumed, _, _ = runs.restore(reader)
    runs.assert_bitwise_equal(plain_state, resumed, 'state')
