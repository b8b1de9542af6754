"""experiments/graph_vs_peer.py's table: every seed of the default Graphormer with a mean ± sd row
and a verdict against the best peer judged on the mean (beyond the seed spread or not; with fewer
than 3 seeds, on how many it rests); ablations marked as single runs; karate's mean ± sd row."""

import json
import os
import sys

import pytest

from tests.conftest import REPO

sys.path.insert(0, os.path.join(REPO, 'experiments'))
import graph_vs_peer  # noqa: E402

RIDGE_LOGP = 0.273  # results/peer_molecules.md, the best logP peer


def fake(name: str, mae: float, target: str = 'logp') -> dict:
    """A regression row as graph_vs_peer.row gives it, without a trained run."""
    group, spec, seed = graph_vs_peer.RUNS[name]
    return {
        'name': name,
        'group': group,
        'spec': spec,
        'seed': seed,
        'target': target,
        'step': 2035,
        'metric': 'mae',
        'validation': mae + 0.01,
        'test': {'MAE': mae, 'RMSE': 2 * mae, 'R^2': 0.98},
        'timing': {'seconds': 300.0, 'load_before': 1.0, 'load_after': 1.0},
    }


def logp(maes: list[float]) -> list[dict]:
    names = ['graphormer_logp_local_sum', *(f'graphormer_logp_local_sum_seed{k}' for k in (1, 2))]
    return [fake(name, mae) for name, mae in zip(names[: len(maes)], maes, strict=True)]


@pytest.fixture(autouse=True)
def repository(monkeypatch):
    monkeypatch.chdir(REPO)  # the peers are read from results/peer_molecules.md


def test_three_seeds_a_mean_row_a_marked_ablation_and_a_verdict_beyond_the_spread():
    rows = [*logp([0.12, 0.13, 0.14]), fake('graphormer_logp', 0.275)]
    text = graph_vs_peer.report(rows, 'cmd')
    assert '| Graphormer `configs/graphormer.py` | logp | 2 | 2035 | mae 0.150 | 0.140 |' in text
    assert (
        '| **Graphormer `configs/graphormer.py`, mean ± sd** | logp | 3 seeds | | '
        'mae 0.140 ± 0.010 | 0.130 ± 0.010 | 0.260 ± 0.020 | 0.9800 ± 0.0000 | |' in text
    )
    assert '| logp | 0 (ablation, 1 run) | 2035 | mae 0.285 | 0.275 |' in text
    assert (
        f'- logp: Graphormer `configs/graphormer.py` mean test MAE 0.130 ± 0.010 vs the best peer '
        f'ridge {RIDGE_LOGP}; mean - peer = {0.13 - RIDGE_LOGP:+.3f}, beyond the seed spread '
        '(every seed below it). Below every peer on the mean: met.'
    ) in text


def test_a_seed_on_the_far_side_of_the_peer_leaves_the_margin_within_the_spread():
    text = graph_vs_peer.report(logp([0.2, 0.3, 0.25]), 'cmd')
    assert (
        'within the seed spread (seeds on both sides of it). Below every peer on the mean: met.'
        in text
    )


@pytest.mark.parametrize('count', [1, 2])
def test_fewer_seeds_say_how_many_the_table_rests_on(count):
    text = graph_vs_peer.report(logp([0.3, 0.31][:count]), 'cmd')
    assert f'mean ± sd** | logp | {count} of 3 seeds |' in text
    assert f'Below every peer on the mean: NOT met on {count} of 3 seeds only.' in text


def test_karate_every_seed_and_a_mean_row():
    rows = [
        {**fake(f'karate_seed{seed}', 0.0), 'test': {'accuracy %': accuracy}, 'validation': 1.0}
        for seed, accuracy in enumerate((88.9, 83.3, 77.8))
    ]
    text = graph_vs_peer.report(rows, 'cmd')
    assert '| `configs/karate.py` | 1 | 2035 | 100.0 | 83.3 | 5.0 min (load 1-1) |' in text
    assert '| **mean ± sd** | 3 seeds | | 100.0 ± 0.0 | **83.3 ± 5.6** | |' in text


def test_a_seeded_row_comes_from_its_kept_test_row_with_its_seed(tmp_path):
    name = 'graphormer_tpsa_local_sum_seed2'
    workdir = tmp_path / name
    (workdir / 'checkpoints' / '40').mkdir(parents=True)
    (workdir / 'checkpoints' / '80').mkdir()
    evals = [{'step': 40, 'eval/mae': 0.6}, {'step': 80, 'eval/mae': 0.5}]
    (workdir / 'metrics.jsonl').write_text(''.join(json.dumps(r) + '\n' for r in evals))
    kept = {**fake(name, 0.55, 'tpsa'), 'step': 80}
    for key in ('group', 'spec', 'seed'):
        kept.pop(key)
    (workdir / graph_vs_peer.ROW_FILE).write_text(json.dumps(kept))
    row = graph_vs_peer.row(name, str(tmp_path))
    assert (row['group'], row['seed'], row['step']) == ('graphormer_tpsa_local_sum', 2, 80)
    assert row['spec'] == 'configs/graphormer.py:target=tpsa'
