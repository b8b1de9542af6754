"""Held-out-voice results of the audio models on spoken_keywords, next to the MFCC + logistic
regression peer (results/peer_keywords.md). Each run picks its best checkpoint on the validation
voices (config.checkpoint.best_metric) and is evaluated once on the test voices.

  python experiments/keywords_vs_peer.py --train        # train missing runs (resumes unfinished)
  python experiments/keywords_vs_peer.py --runs spec_cnn,wave_cnn --root runs/keywords
  -> results/keywords_vs_peer.md
"""

import argparse
import json
import logging
import math
import os
import re
import time

import jax

from seqlab import launcher
from seqlab.train import logging as metric_log
from seqlab.train import loop, preflight

RUNS = {  # name -> config
    'spec_cnn': 'configs/spec_cnn.py',
    'spec_cnn_frame': 'configs/spec_cnn.py:head=frame',
    'spec_cnn_pixel': 'configs/spec_cnn.py:head=pixel',
    'wave_cnn': 'configs/wave_cnn.py',
    'audio_transformer': 'configs/audio_transformer.py',
}
TIME_FILE = 'train_seconds.json'
TARGET = 95.0


def peer_accuracy(path: str = 'results/peer_keywords.md') -> float:
    with open(path) as handle:
        return float(re.search(r'Test accuracy[^:]*: ([\d.]+)%', handle.read()).group(1))


def finished(config, workdir: str) -> bool:
    total = preflight.prepare(config, workdir).total_steps
    return os.path.isdir(os.path.join(workdir, 'checkpoints', str(total)))


def train(config, workdir: str) -> None:
    """Trains (or resumes) and records the wall time and machine load of this process's part."""
    if finished(config, workdir):
        return
    start, load = time.perf_counter(), os.getloadavg()[0]
    loop.train_and_evaluate(config, workdir)
    record = {'seconds': time.perf_counter() - start, 'load_before': load}
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


def row(name: str, spec: str, root: str) -> dict:
    config = launcher.load_config(spec, {})
    workdir = os.path.abspath(os.path.join(root, name))
    step, validation = best_step(config, workdir)
    config.data.eval_split = 'test'
    run = loop.Run(config, workdir, mode='eval')
    params, _ = run.restore_params(step)
    test = run.evaluate(params)
    timing = {}
    if os.path.exists(os.path.join(workdir, TIME_FILE)):
        with open(os.path.join(workdir, TIME_FILE)) as handle:
            timing = json.load(handle)
    return {
        'name': name,
        'spec': spec,
        'parameters': sum(math.prod(p.shape) for p in jax.tree.leaves(params)),
        'step': step,
        'metric': config.checkpoint.best_metric,
        'validation': validation,
        'test': test,
        'receptive_field': run.plan.task.describe(run.plan.model),
        'timing': timing,
    }


def percent(value: float) -> str:
    return f'{100 * value:.1f}'


def report(rows: list[dict], peer: float) -> str:
    lines = [
        '# spoken_keywords: audio models vs the MFCC + logistic-regression peer',
        '',
        'Command: `python experiments/keywords_vs_peer.py --train`. Best checkpoint by the '
        'validation voices, evaluated once on the held-out test voices (1,600 clips, 10 voice '
        'variants never seen in training).',
        '',
        '| run | config | parameters | best step | validation | test accuracy % | other test '
        'metrics | train time |',
        '|---|---|---|---|---|---|---|---|',
        f'| MFCC mean/std + logistic regression (peer) | experiments/peer_keywords.py | — | — | — '
        f'| {peer:.1f} | — | — |',
    ]
    for r in rows:
        test = dict(r['test'])
        accuracy = percent(test.pop('eval/accuracy')) if 'eval/accuracy' in test else '—'
        test.pop('eval/loss')
        others = ', '.join(f'{k.removeprefix("eval/")} {percent(v)}' for k, v in test.items())
        timing = r['timing']
        train_time = (
            f'{timing["seconds"] / 60:.1f} min (load {timing["load_before"]:.0f}-'
            f'{timing["load_after"]:.0f})'
            if timing
            else 'not timed here'
        )
        lines.append(
            f'| {r["name"]} | `{r["spec"]}` | {r["parameters"]:,} | {r["step"]} | '
            f'{r["metric"].removeprefix("eval/")} {percent(r["validation"])} | {accuracy} | '
            f'{others or "—"} | {train_time} |'
        )
    lines += ['', 'Receptive fields (`task.describe(model)`):', '']
    lines += [f'- {r["name"]}: {r["receptive_field"]}' for r in rows]
    spec = next((r for r in rows if r['name'] == 'spec_cnn'), None)
    if spec:
        accuracy = 100 * spec['test']['eval/accuracy']
        met = accuracy >= TARGET and accuracy > peer
        lines += [
            '',
            f"**Spectrogram CNN: {accuracy:.1f}% on held-out voices vs the peer's {peer:.1f}% "
            f'(target >= {TARGET:.0f}% and above the peer: {"met" if met else "NOT met"}).**',
        ]
    return '\n'.join(lines + [''])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', default=','.join(RUNS), help=f'from {", ".join(RUNS)}')
    parser.add_argument('--root', default='runs/keywords', help='workdirs are <root>/<run>')
    parser.add_argument('--train', action='store_true', help='train missing or unfinished runs')
    parser.add_argument('--out', default='results/keywords_vs_peer.md')
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format='%(asctime)s %(levelname)s %(message)s')
    logging.getLogger('seqlab').setLevel(logging.INFO)
    names = args.runs.split(',')
    if args.train:
        for name in names:
            workdir = os.path.abspath(os.path.join(args.root, name))  # orbax wants absolute paths
            train(launcher.load_config(RUNS[name], {}), workdir)
    text = report([row(name, RUNS[name], args.root) for name in names], peer_accuracy())
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as handle:
        handle.write(text)


if __name__ == '__main__':
    main()
