"""experiments/norm_stability.py: which sweep trials count as diverged."""

import json
import math
import os
import sys

import pytest

from tests.conftest import REPO

sys.path.insert(0, os.path.join(REPO, 'experiments'))
import norm_stability  # noqa: E402


def trial(directory, slot: int, losses: list[float], status: str, error: str = '') -> dict:
    """A results.csv row, with the trial's metrics.jsonl written under `directory`."""
    workdir = directory / 'trials' / str(slot)
    workdir.mkdir(parents=True)
    records = [{'step': 25 * (i + 1), 'train/loss': loss} for i, loss in enumerate(losses)]
    if status == 'complete':
        records.append({'step': 25 * len(losses), 'eval/accuracy': 0.5})
    (workdir / 'metrics.jsonl').write_text(''.join(json.dumps(r) + '\n' for r in records))
    row = {'trial': str(slot), 'model.kwargs.norm': 'post_ln', 'optim.lr': '0.01'}
    return {**row, 'status': status, 'error': error}


@pytest.mark.parametrize(
    'losses, status, error, diverged, label',
    [
        ([2.2, 0.4], 'complete', '', False, 'complete'),
        ([2.2, 2.31], 'complete', '', True, 'complete'),  # worse than chance, ln 10
        ([2.2, 2.302], 'complete', '', True, 'complete'),  # collapsed to chance
        ([2.2], 'failed', 'FloatingPointError: non-finite training metrics', True, 'NaN/Inf loss'),
    ],
)
def test_divergence(tmp_path, losses, status, error, diverged, label):
    run = norm_stability.outcome(trial(tmp_path, 0, losses, status, error), str(tmp_path))
    assert (run['diverged'], run['status'], run['final_loss']) == (diverged, label, losses[-1])
    assert (run['norm'], run['lr']) == ('post_ln', 0.01)
    assert math.isnan(run['accuracy']) == (status == 'failed')
    assert norm_stability.cell(run).startswith('**diverged**') == diverged
