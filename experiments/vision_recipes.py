"""The Fashion-MNIST ViT and MLP-Mixer recipes, chosen on the validation split.

Each candidate is a config with overrides, trained once (seed 0). The candidates of one model
differ in the learning rate, and the ViT's also in its stem (the default convolutional stem to
stride 8, or the paper's linear 7x7 patches, cheaper per step), all at the same epochs: the steps
are sized for the 20-minute budget on 2 CPU cores, which results/vision_vs_peer.md checks for
every run of the chosen recipe.
The candidate with the best final validation accuracy (`eval/accuracy` at the last step; the
validation split is carved from train, seqlab/data/holdout.py) becomes the config's default. No
test number is read here: the test split is for experiments/vision_vs_peer.py, once the recipe is
fixed.

  python experiments/vision_recipes.py --train      # train missing runs (resumes unfinished)
  -> results/vision_recipes.md
"""

import trained_runs

from seqlab import launcher
from seqlab.train import metrics_log

CANDIDATES = {  # name -> (config, overrides)
    'vit_lr1e-3': ('configs/vit.py', {'steps': '13ep', 'optim.lr': '1e-3'}),
    'mixer_lr3e-3': ('configs/mixer.py', {'steps': '8ep', 'optim.lr': '3e-3'}),
    'vit_lr3e-4': ('configs/vit.py', {'steps': '13ep', 'optim.lr': '3e-4'}),
    'mixer_lr1e-3': ('configs/mixer.py', {'steps': '8ep', 'optim.lr': '1e-3'}),
    'vit_patch7_lr1e-3': (
        'configs/vit.py:stem=patch,patch=7',
        {'steps': '13ep', 'optim.lr': '1e-3'},
    ),
}


def config_of(name: str):
    spec, overrides = CANDIDATES[name]
    return launcher.load_config(spec, overrides)


def row(name: str, root: str) -> dict:
    workdir = trained_runs.workdir(root, name)
    evals = [r for r in metrics_log.read(workdir) if 'eval/accuracy' in r]
    return {
        'name': name,
        'spec': CANDIDATES[name][0],
        'overrides': CANDIDATES[name][1],
        'steps': evals[-1]['step'],
        'validation': 100 * evals[-1]['eval/accuracy'],
        'timing': trained_runs.timing(workdir),
    }


def config_file(spec: str) -> str:
    """'configs/vit.py' for 'configs/vit.py:stem=patch,patch=7': candidates are grouped by file."""
    return spec.partition(':')[0]


def report(rows: list[dict]) -> str:
    lines = [
        '# Fashion-MNIST recipes chosen on validation (seed 0)',
        '',
        'Command: `python experiments/vision_recipes.py --train`. Validation: 5,809 images carved',
        'from train (seqlab/data/holdout.py); the models train on the other 54,191. One seed: a',
        'difference below the seed spread of results/vision_vs_peer.md decides nothing.',
        f'Table made on {trained_runs.cpu_model()}; each run was trained on the CPU its train '
        'time names, and its row recorded in results/run_records/vision_recipes.',
        '',
        '| candidate | config | overrides | steps | validation accuracy % | train time (load) |',
        '|---|---|---|---|---|---|',
    ]
    for r in rows:
        overrides = ', '.join(f'{k}={v}' for k, v in sorted(r['overrides'].items()))
        lines.append(
            f'| {r["name"]} | `{r["spec"]}` | {overrides} | {r["steps"]:,} | '
            f'{r["validation"]:.2f} | {trained_runs.train_time(r["timing"])}'
            f'{trained_runs.transcribed(r)} |'
        )
    for model in sorted({config_file(r['spec']) for r in rows}):
        mine = [r for r in rows if config_file(r['spec']) == model]
        best = max(mine, key=lambda r: r['validation'])
        lines.append(f'\nChosen for `{model}` (best validation accuracy): {best["name"]}.')
    return '\n'.join(lines + [''])


def main() -> None:
    args = trained_runs.parse_args(
        __doc__, CANDIDATES, 'runs/vision_recipes', 'results/vision_recipes.md'
    )
    trained_runs.train_missing(args, config_of)
    trained_runs.publish(
        report(trained_runs.rows(args, row, config_of, 'vision_recipes')), args.out
    )


if __name__ == '__main__':
    main()
