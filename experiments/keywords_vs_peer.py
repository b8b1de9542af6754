"""Held-out-voice results of the audio models on spoken_keywords, next to the MFCC + logistic
regression peer (results/peer_keywords.md). Each run picks its best checkpoint on the validation
voices (config.checkpoint.best_metric) and is evaluated once on the test voices.

  python experiments/keywords_vs_peer.py --train        # train missing runs (resumes unfinished)
  python experiments/keywords_vs_peer.py --runs spec_cnn,wave_cnn --root runs/keywords
  -> results/keywords_vs_peer.md
"""

import math
import os
import re

import jax
import trained_runs

from seqlab import launcher
from seqlab.train import loop

RUNS = {  # name -> config
    'spec_cnn': 'configs/spec_cnn.py',
    'spec_cnn_frame': 'configs/spec_cnn.py:head=frame',
    'spec_cnn_pixel': 'configs/spec_cnn.py:head=pixel',
    'wave_cnn': 'configs/wave_cnn.py',
    'audio_transformer': 'configs/audio_transformer.py',
}
TARGET = 95.0


def peer_accuracy(path: str = 'results/peer_keywords.md') -> float:
    with open(path) as handle:
        return float(re.search(r'Test accuracy[^:]*: ([\d.]+)%', handle.read()).group(1))


def row(name: str, spec: str, root: str) -> dict:
    config = launcher.load_config(spec, {})
    workdir = os.path.abspath(os.path.join(root, name))
    step, validation = trained_runs.best_step(config, workdir)
    config.data.eval_split = 'test'
    run = loop.Run(config, workdir, mode='eval')
    params, _ = run.restore_params(step)
    test = run.evaluate(params)
    return {
        'name': name,
        'spec': spec,
        'parameters': sum(math.prod(p.shape) for p in jax.tree.leaves(params)),
        'step': step,
        'metric': config.checkpoint.best_metric,
        'validation': validation,
        'test': test,
        'receptive_field': run.plan.task.describe(run.plan.model),
        'timing': trained_runs.timing(workdir),
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
        train_time = trained_runs.train_time(r['timing']) if r['timing'] else 'not timed here'
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
    args = trained_runs.parse_args(__doc__, RUNS, 'runs/keywords', 'results/keywords_vs_peer.md')
    trained_runs.train_missing(args, lambda name: launcher.load_config(RUNS[name], {}))
    trained_runs.publish(
        report([row(name, RUNS[name], args.root) for name in args.names], peer_accuracy()), args.out
    )


if __name__ == '__main__':
    main()
