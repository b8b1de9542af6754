"""A `metrics.jsonl` deleted by hand between a run and its resume: the resume says which steps are
gone from it, trains to the end, and starts the file again from the resumed step — strictly
increasing, nothing invented. The run is a copy of the shared `smoke_run` (24 steps, each logged;
tests/reliability/conftest.py), resumed to train 8 steps more."""

import shutil

from tests.reliability import runs

SPEC = 'configs/vit.py:smoke'
STEPS = 32


def test_deleted_metrics_file_restarts_at_the_resumed_step(tmp_path, smoke_run):
    shutil.copytree(smoke_run.workdir, tmp_path / 'run')
    workdir = tmp_path / 'run'
    saved = runs.checkpoint_steps(workdir)[-1]
    (workdir / 'metrics.jsonl').unlink()

    rerun = runs.Launch(SPEC, {'steps': STEPS}, workdir)
    rerun.finished()
    assert f' at step {saved};' in rerun.stderr, rerun.stderr[-3000:]
    warning = f'metrics.jsonl is missing: steps 1-{saved} are gone from it'
    assert warning in rerun.stderr, rerun.stderr[-3000:]
    steps = list(runs.metric(workdir, 'train/loss'))
    assert steps == list(range(saved + 1, STEPS + 1))
