"""Graphormer on the molecules scaffold split next to the fingerprint peers
(results/peer_molecules.md), and the karate-club node-classification demo.

Each run picks its best checkpoint by validation MAE (karate: validation accuracy) and is
evaluated once on the test split: MAE, RMSE and R^2 of the RDKit-computed target in data units
(1,487 test molecules whose scaffolds never occur in training).

  python experiments/graph_vs_peer.py --train      # train missing runs (resumes unfinished)
  python experiments/graph_vs_peer.py --runs graphormer_logp,karate_seed0
  -> results/graph_vs_peer.md
"""

import argparse
import json
import logging
import os
import re
import time

import jax
import numpy as np

from seqlab import launcher
from seqlab.train import logging as metric_log
from seqlab.train import loop, preflight

RUNS = {  # name -> config
    'graphormer_logp': 'configs/graphormer.py',
    'graphormer_tpsa': 'configs/graphormer.py:target=tpsa',
    'graphormer_logp_25ep': 'configs/graphormer.py:epochs=25',
    'karate_seed0': 'configs/karate.py',
    'karate_seed1': 'configs/karate.py',
    'karate_seed2': 'configs/karate.py',
}
TIME_FILE = 'train_seconds.json'
PEER_FILE = 'results/peer_molecules.md'


def load(name: str) -> object:
    config = launcher.load_config(RUNS[name], {})
    seed = re.search(r'seed(\d+)$', name)
    if seed:
        config.seed = int(seed.group(1))
    return config


def train(config, workdir: str) -> None:
    """Trains (or resumes) and records the wall time and machine load of this process's part."""
    total = preflight.prepare(config, workdir).total_steps
    if os.path.isdir(os.path.join(workdir, 'checkpoints', str(total))):
        return
    start, load_before = time.perf_counter(), os.getloadavg()[0]
    loop.train_and_evaluate(config, workdir)
    record = {'seconds': time.perf_counter() - start, 'load_before': load_before}
    record['load_after'] = os.getloadavg()[0]
    with open(os.path.join(workdir, TIME_FILE), 'w') as handle:
        json.dump(record, handle)


def best_step(config, workdir: str) -> tuple[int, float]:
    """(step, validation value) of the best kept checkpoint by config.checkpoint.best_metric."""
    kept = {int(d) for d in os.listdir(os.path.join(workdir, 'checkpoints')) if d.isdigit()}
    metric, sign = config.checkpoint.best_metric, 1 if config.checkpoint.best_mode == 'max' else -1
    evals = [r for r in metric_log.read(workdir) if metric in r and r['step'] in kept]
    best = max(evals, key=lambda r: sign * r[metric])
    return best['step'], best[metric]


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
    config = load(name)
    workdir = os.path.abspath(os.path.join(root, name))
    step, validation = best_step(config, workdir)
    config.data.eval_split = 'test'
    run = loop.Run(config, workdir, mode='eval')
    params, _ = run.restore_params(step)
    if config.task.name == 'graph_regression':
        test = regression_scores(run, params)
    else:
        test = {'accuracy %': 100 * run.evaluate(params)['eval/accuracy']}
    timing = {}
    if os.path.exists(os.path.join(workdir, TIME_FILE)):
        with open(os.path.join(workdir, TIME_FILE)) as handle:
            timing = json.load(handle)
    return {
        'name': name,
        'spec': RUNS[name] + (f' --config.seed={config.seed}' if 'seed' in name else ''),
        'target': config.data.target,
        'step': step,
        'metric': config.checkpoint.best_metric.removeprefix('eval/'),
        'validation': validation,
        'test': test,
        'timing': timing,
    }


def peer_rows(target: str) -> list[str]:
    """The peers' test rows for `target` from results/peer_molecules.md (MAE, RMSE, R^2)."""
    with open(PEER_FILE) as handle:
        rows = [line for line in handle if line.startswith(f'| {target} |')]
    return [
        '| {1} (peer) | {0} | — | — | {2} | {3} | {4} | fit {5} s |'.format(*cells)
        for cells in (line.strip('| \n').split(' | ') for line in rows)
    ]


def train_time(timing: dict) -> str:
    if not timing:
        return 'not timed here'
    return (
        f'{timing["seconds"] / 60:.1f} min (load {timing["load_before"]:.0f}-'
        f'{timing["load_after"]:.0f})'
    )


def report(rows: list[dict]) -> str:
    lines = [
        '# Graphormer vs fingerprint peers (molecules, scaffold split) and the karate club',
        '',
        'Command: `python experiments/graph_vs_peer.py --train`. Best checkpoint by validation, '
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
                f'{train_time(r["timing"])} |'
            )
        lines += peer_rows(target)
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
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', default=','.join(RUNS), help=f'from {", ".join(RUNS)}')
    parser.add_argument('--root', default='runs', help='workdirs are <root>/<run>')
    parser.add_argument('--train', action='store_true', help='train missing or unfinished runs')
    parser.add_argument('--out', default='results/graph_vs_peer.md')
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format='%(asctime)s %(levelname)s %(message)s')
    logging.getLogger('seqlab').setLevel(logging.INFO)
    names = args.runs.split(',')
    if args.train:
        for name in names:
            train(load(name), os.path.abspath(os.path.join(args.root, name)))
    text = report([row(name, args.root) for name in names])
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as handle:
        handle.write(text)


if __name__ == '__main__':
    main()
