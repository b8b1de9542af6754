"""Graphormer on the molecules scaffold split next to the fingerprint peers
(results/peer_molecules.md), and the karate-club node-classification demo.

Each run picks its best checkpoint by validation MAE (karate: validation accuracy) and is
evaluated once on the test split: MAE, RMSE and R^2 of the RDKit-computed target in data units
(1,487 test molecules whose scaffolds never occur in training).

  python experiments/graph_vs_peer.py --train      # train missing runs (resumes unfinished)
  python experiments/graph_vs_peer.py --runs graphormer_logp,karate_seed0
  -> results/graph_vs_peer.md
"""

import json
import os
import re

import jax
import numpy as np
import trained_runs

from seqlab import launcher
from seqlab.train import loop

RUNS = {  # name -> config
    'graphormer_logp': 'configs/graphormer.py:readout=graph,locality=0',
    'graphormer_tpsa': 'configs/graphormer.py:target=tpsa,readout=graph,locality=0',
    'graphormer_logp_25ep': 'configs/graphormer.py:epochs=25,readout=graph,locality=0',
    'graphormer_logp_sum': 'configs/graphormer.py:readout=sum,locality=0',
    'graphormer_logp_local_sum': 'configs/graphormer.py',
    'graphormer_tpsa_local_sum': 'configs/graphormer.py:target=tpsa',
    'karate_seed0': 'configs/karate.py',
    'karate_seed1': 'configs/karate.py',
    'karate_seed2': 'configs/karate.py',
}
# Runs trained by code that has changed since: their rows come only from <workdir>/test_row.json.
RETIRED = {
    'graphormer_logp_sum': 'trained by an earlier readout=sum that added the head bias once per '
    'atom and had no sum_scale',
}
PEER_FILE = 'results/peer_molecules.md'
ROW_FILE = 'test_row.json'


def load(name: str) -> object:
    config = launcher.load_config(RUNS[name], {})
    seed = re.search(r'seed(\d+)$', name)
    if seed:
        config.seed = int(seed.group(1))
    return config


def regression_scores(run: loop.Run, params) -> dict[str, float]:
    """Test MAE, RMSE and R^2 in data units, from every real test example's prediction."""
    apply = jax.jit(
        lambda p, b: run.plan.model.apply({'params': p}, *run.plan.task.inputs(b))[:, 0]
    )
    predicted, truth = [], []
    for batch in run.plan.splits.eval:
        real = batch['mask'] > 0
        predicted.append(np.asarray(apply(params, batch))[real])
        truth.append(batch['target'][real])
    extras = run.plan.splits.info.extras
    predicted = np.concatenate(predicted) * extras['target_std'] + extras['target_mean']
    truth = np.concatenate(truth) * extras['target_std'] + extras['target_mean']
    error = predicted - truth
    return {
        'MAE': float(np.abs(error).mean()),
        'RMSE': float(np.sqrt(np.mean(error**2))),
        'R^2': float(1 - np.sum(error**2) / np.sum((truth - truth.mean()) ** 2)),
    }


def row(name: str, root: str) -> dict:
    """The run's table row; its test scores are computed once per best checkpoint and kept in
    <workdir>/test_row.json, so republishing the table never evaluates a run on test again."""
    config = load(name)
    spec = RUNS[name] + (f' --config.seed={config.seed}' if 'seed' in name else '')
    workdir = os.path.abspath(os.path.join(root, name))
    step, validation = trained_runs.best_step(config, workdir)
    kept = os.path.join(workdir, ROW_FILE)
    if os.path.exists(kept):
        with open(kept) as handle:
            stored = json.load(handle)
        if stored['step'] == step:
            return {**stored, 'spec': spec}
    if name in RETIRED:
        raise ValueError(f'{name} has no {ROW_FILE} for step {step}; {RETIRED[name]}')
    config.data.eval_split = 'test'
    run = loop.Run(config, workdir, mode='eval')
    params, _ = run.restore_params(step)
    if config.task.name == 'graph_regression':
        test = regression_scores(run, params)
    else:
        test = {'accuracy %': 100 * run.evaluate(params)['eval/accuracy']}
    result = {
        'name': name,
        'spec': spec,
        'target': config.data.target,
        'step': step,
        'metric': config.checkpoint.best_metric.removeprefix('eval/'),
        'validation': validation,
        'test': test,
        'timing': trained_runs.timing(workdir),
    }
    with open(kept, 'w') as handle:
        json.dump(result, handle)
    return result


def peer_rows(target: str) -> list[str]:
    """The peers' test rows for `target` from results/peer_molecules.md (MAE, RMSE, R^2)."""
    with open(PEER_FILE) as handle:
        rows = [line for line in handle if line.startswith(f'| {target} |')]
    return [
        '| {1} (peer) | {0} | — | — | {2} | {3} | {4} | fit {5} s |'.format(*cells)
        for cells in (line.strip('| \n').split(' | ') for line in rows)
    ]


def report(rows: list[dict]) -> str:
    lines = [
        '# Graphormer vs fingerprint peers (molecules, scaffold split) and the karate club',
        '',
        'Command: `python experiments/graph_vs_peer.py --train --runs '
        f'{",".join(r["name"] for r in rows)}`. Best checkpoint by validation, '
        'evaluated once on test. Peers: Morgan count fingerprints + ridge / random forest '
        f'({PEER_FILE}).',
        '',
        '| model | target | best step | validation | test MAE | test RMSE | test R^2 | train time |',
        '|---|---|---|---|---|---|---|---|',
    ]
    regression = [r for r in rows if 'R^2' in r['test']]
    for target in dict.fromkeys(r['target'] for r in regression):
        for r in (r for r in regression if r['target'] == target):
            t = r['test']
            lines.append(
                f'| Graphormer `{r["spec"]}` | {target} | {r["step"]} | {r["metric"]} '
                f'{r["validation"]:.3f} | {t["MAE"]:.3f} | {t["RMSE"]:.3f} | {t["R^2"]:.4f} | '
                f'{trained_runs.train_time(r["timing"])} |'
            )
        lines += peer_rows(target)
    retired = [r for r in regression if r['name'] in RETIRED]
    if retired:
        lines.append('')
        lines += [f'`{r["name"]}` was {RETIRED[r["name"]]}.' for r in retired]
    karate = [r for r in rows if 'accuracy %' in r['test']]
    if karate:
        accuracies = [r['test']['accuracy %'] for r in karate]
        lines += [
            '',
            '## Karate club (18 test members; 8 labelled for training)',
            '',
            '| run | best step | validation accuracy % | test accuracy % |',
            '|---|---|---|---|',
        ]
        lines += [
            f'| `{r["spec"]}` | {r["step"]} | {100 * r["validation"]:.1f} | '
            f'{r["test"]["accuracy %"]:.1f} |'
            for r in karate
        ]
        lines.append(f'| mean over {len(karate)} seeds | | | {np.mean(accuracies):.1f} |')
    return '\n'.join(lines + [''])


def main() -> None:
    args = trained_runs.parse_args(__doc__, RUNS, 'runs', 'results/graph_vs_peer.md')
    trained_runs.train_missing(args, load)
    trained_runs.publish(report([row(name, args.root) for name in args.names]), args.out)


if __name__ == '__main__':
    main()
