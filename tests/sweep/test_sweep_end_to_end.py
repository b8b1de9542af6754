"""A real sweep of configs/vit.py:smoke (two seeds, a few steps each), one trial per launch.py
process: a trial that fails at run time is reported while the other finishes, a rerun runs
nothing new, --sweep_retry_failed runs the failed trial again (tests/sweep/test_sweep_worker.py
shows a retry succeeding); --mode=figures draws the curves of every trial, and from one trial's
checkpoint its curves, attention maps and patch filters."""

import csv
import json
import os

import pytest

from seqlab import launcher
from seqlab.sweep import runner
from tests.conftest import REPO

SPEC = os.path.join(REPO, 'configs/vit.py:smoke,sweep=seeds')
SHORT = {
    'steps': '4',
    'eval_every': '2',
    'checkpoint.every': '2',
    'log_every': '2',
    'optim.warmup': '1',
}


def run(directory, **options) -> int:
    with pytest.raises(SystemExit) as exit_info:
        launcher.run(
            SPEC, SHORT, str(directory), 'train', sweep=runner.Options(heartbeat=1, **options)
        )
    return exit_info.value.code


def statuses(directory) -> list[tuple[str, str]]:
    with open(os.path.join(directory, 'results.csv')) as f:
        return [(row['status'], row['error']) for row in csv.DictReader(f)]


def attempts(directory, trial: int) -> int:
    with open(directory / 'logs' / f'trial_{trial}.log') as f:
        return sum(line.startswith('=== ') for line in f)


@pytest.mark.slow
def test_sweep_reports_failure_skips_finished_and_retries(tmp_path):
    blocked = tmp_path / 'trials' / '1'
    blocked.parent.mkdir(parents=True)
    blocked.write_text('not a directory')  # trial 1 fails at run time: its workdir is a file

    assert run(tmp_path) == 1
    (done, _), (failed, error) = statuses(tmp_path)
    assert (done, failed) == ('complete', 'failed')
    assert error.startswith('exit code 2: error: --workdir=') and 'is a file' in error
    trial_0 = tmp_path / 'trials' / '0'
    with open(trial_0 / 'config.json') as f:
        assert json.load(f)['seed'] == 0

    assert run(tmp_path) == 1  # nothing runs: trial 0 is finished, trial 1 waits for the flag
    assert (attempts(tmp_path, 0), attempts(tmp_path, 1)) == (1, 1)

    assert run(tmp_path, retry_failed=True) == 1  # trial 1 runs again (and fails again)
    assert (attempts(tmp_path, 0), attempts(tmp_path, 1)) == (1, 2)
    assert statuses(tmp_path)[1] == ('failed', error)

    launcher.run(SPEC, SHORT, str(tmp_path), 'figures')  # curves of every trial
    assert os.listdir(tmp_path / 'figures') == ['curves.png']
    launcher.run(SPEC, SHORT, str(trial_0), 'figures')  # one trial's checkpoint
    drawn = sorted(os.listdir(trial_0 / 'figures'))
    assert drawn == ['attention.png', 'curves.png', 'filters.png']
    assert all(os.path.getsize(trial_0 / 'figures' / name) > 0 for name in drawn)
