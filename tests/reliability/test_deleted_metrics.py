"""A `metrics.jsonl` deleted by hand between a run and its resume: the resume says which steps are
gone from it, trains to the end, and starts the file again from the resumed step — strictly
increasing, nothing invented."""

import signal

from tests.reliability import runs

SPEC = 'configs/vit.py:smoke'
OVERRIDES = {'steps': 24, 'checkpoint.every': 100, 'eval_every': 100}


def test_deleted_metrics_file_restarts_at_the_resumed_step(tmp_path):
    first = runs.Launch(SPEC, OVERRIDES, tmp_path)
    assert first.signal_at(6, signal.SIGTERM) == 143
    (saved,) = runs.checkpoint_steps(tmp_path)
    (tmp_path / 'metrics.jsonl').unlink()

    rerun = runs.Launch(SPEC, OVERRIDES, tmp_path)
    rerun.finished()
    warning = f'metrics.jsonl is missing: steps 1-{saved} are gone from it'
    assert warning in rerun.stderr, rerun.stderr[-3000:]
    steps = list(runs.metric(tmp_path, 'train/loss'))
    assert steps == list(range(saved + 1, OVERRIDES['steps'] + 1))
