"""The default ViT and MLP-Mixer on Fashion-MNIST over 3 seeds, next to the scikit-learn peers
(results/peer_fashion_mnist.md, from experiments/peer_fashion_mnist.py), with the targets: mean
test accuracy of 3 seeds ViT >= 90.5% and Mixer >= 90.0%, each run within 20 minutes on 2 CPU
cores.

The recipes were chosen on the validation split (experiments/vision_recipes.py); the test split
is evaluated once per run, at its end (`test/accuracy` in its metrics.jsonl, the final model),
and nothing is chosen on it. Training time is the training process's wall time, with the load
average before and after (a busy machine makes it longer; it never makes it shorter).

  python experiments/vision_vs_peer.py --train      # train missing runs (resumes unfinished)
  -> results/vision_vs_peer.md

A seed-0 run whose config equals a finished candidate of experiments/vision_recipes.py (every key)
is copied from runs/vision_recipes rather than trained again: the same config and seed give the
same run bit for bit.
"""

import os
import re
import statistics

import seeds
import trained_runs

from seqlab import launcher
from seqlab.train import metrics_log

MODELS = {  # name -> (config, target mean test accuracy %)
    'vit': ('configs/vit.py', 90.5),
    'mixer': ('configs/mixer.py', 90.0),
}
SEEDS = (0, 1, 2)
RUNS = {f'{model}_seed{seed}': (model, seed) for model in MODELS for seed in SEEDS}
TIME_LIMIT_MINUTES = 20
PEER_FILE = 'results/peer_fashion_mnist.md'
RECIPE_ROOT = 'runs/vision_recipes'  # experiments/vision_recipes.py's candidates


def config_of(name: str):
    model, seed = RUNS[name]
    return launcher.load_config(MODELS[model][0], {'seed': str(seed)})


def peer_rows() -> list[tuple[str, float]]:
    """(peer, test accuracy %) from the peer table."""
    with open(PEER_FILE) as handle:
        rows = re.findall(r'^\| ([^|]+?) \| ([\d.]+) \|', handle.read(), re.M)
    return [(name, float(accuracy)) for name, accuracy in rows]


def row(name: str, root: str) -> dict:
    """One run: its final validation and test accuracy (%) and its timing."""
    workdir = trained_runs.workdir(root, name)
    records = metrics_log.read(workdir)
    final = max(r['step'] for r in records)
    at_end = {k: v for r in records if r['step'] == final for k, v in r.items()}
    model, seed = RUNS[name]
    return {
        'model': model,
        'seed': seed,
        'steps': final,
        'validation': 100 * at_end['eval/accuracy'],
        'test': 100 * at_end['test/accuracy'],
        'timing': trained_runs.timing(workdir),
    }


def in_time(r: dict) -> bool:
    seconds = r['timing'].get('seconds')
    return seconds is not None and seconds <= 60 * TIME_LIMIT_MINUTES


def summary(model: str, rows: list[dict]) -> str:
    spec, target = MODELS[model]
    mine = [r for r in rows if r['model'] == model]
    tests = [r['test'] for r in mine]
    all_seeds = len(mine) == len(SEEDS)
    accurate = all_seeds and statistics.mean(tests) >= target
    slow = [f'seed {r["seed"]}' for r in mine if not in_time(r)]
    timely = all_seeds and not slow
    return (
        f'| {model} | `{spec}` | {len(mine)} | {seeds.spread([r["validation"] for r in mine])} | '
        f'{seeds.spread(tests)} | mean >= {target:.1f}%: {verdict(accurate)} | '
        f'each <= {TIME_LIMIT_MINUTES} min: {verdict(timely)}'
        f'{" (over: " + ", ".join(slow) + ")" if slow else ""} |'
    )


def verdict(met: bool) -> str:
    return 'reached' if met else 'NOT reached'


def report(rows: list[dict]) -> str:
    lines = [
        '# Fashion-MNIST: default ViT and MLP-Mixer over seeds, vs scikit-learn peers',
        '',
        'Command: `python experiments/vision_vs_peer.py --train`. Validation: the 5,809 images',
        'carved from train; test: the 10,000 official test images, evaluated once at the end of',
        f'each run. CPU: {trained_runs.cpu_model()}. Mean ± sample standard deviation over seeds.',
        'Seed 0 of each model is its chosen candidate in results/vision_recipes.md (the same',
        'config and seed). Train time is the training process wall time; load is the 1-minute load',
        'average before and after it, which counts every runnable process, also those running at a',
        'lower priority than the training. The runs are deterministic: load changes the time only.',
        '',
        '| model | config | seeds | validation accuracy % | test accuracy % | accuracy target | '
        'time target |',
        '|---|---|---|---|---|---|---|',
        *(summary(model, rows) for model in MODELS if any(r['model'] == model for r in rows)),
        '',
        '| run | seed | steps | validation % | test % | train time |',
        '|---|---|---|---|---|---|',
    ]
    for r in rows:
        lines.append(
            f'| {r["model"]} | {r["seed"]} | {r["steps"]:,} | {r["validation"]:.2f} | '
            f'{r["test"]:.2f} | {trained_runs.train_time(r["timing"])} |'
        )
    lines += ['', '| peer | test accuracy % |', '|---|---|']
    lines += [
        f'| {name} (experiments/peer_fashion_mnist.py) | {acc} |' for name, acc in peer_rows()
    ]
    return '\n'.join(lines + [''])


def main() -> None:
    args = trained_runs.parse_args(__doc__, RUNS, 'runs/vision', 'results/vision_vs_peer.md')
    if args.train:  # seed 0 of the chosen recipe may be trained already, as a candidate
        found = sorted(os.listdir(RECIPE_ROOT)) if os.path.isdir(RECIPE_ROOT) else []
        candidates = [os.path.join(RECIPE_ROOT, name) for name in found]
        for name in args.names:
            trained_runs.reuse_finished(
                config_of(name), trained_runs.workdir(args.root, name), candidates
            )
    trained_runs.train_missing(args, config_of)
    trained_runs.publish(report([row(name, args.root) for name in args.names]), args.out)


if __name__ == '__main__':
    main()
