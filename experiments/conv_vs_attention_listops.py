"""Conv1D vs self-attention on ListOps, a task whose label depends on tokens far apart.

A convolution stack sees r = 1 + L (k - 1) tokens per position (receptive field k vs sequence
length n); a self-attention layer sees all n. `configs/listops_cnn.py` (4 convolutions of width 3,
r = 9, then a global max pool) and `configs/listops_transformer.py` (2 blocks, class token) train
on the same generated expressions of 64-256 tokens (seqlab/data/builders/listops.py), each with
seeds 0, 1 and 2 (runs/listops/<model>, <model>_seed<k>); best checkpoint by validation accuracy,
evaluated once on the test split; the table says whether the models differ by more than the seed
spread (experiments/seeds.py). The cost side (FLOPs and time as
n grows) is measured by experiments/conv_vs_attention_cost.py; its table is quoted here.
Published LRA ListOps accuracies are for sequences up to 2,000 tokens and depth 10, so they are
not comparable with these shorter expressions.

  python experiments/conv_vs_attention_listops.py --train
  -> results/conv_vs_attention_listops.md and .png (validation accuracy and loss curves)
"""

import collections
import os
import statistics

import benchlib
import seeds
import trained_runs

from seqlab import data, launcher
from seqlab.data import builders
from seqlab.figures.curves import plot_curves
from seqlab.layers.conv import receptive_field
from seqlab.train import metrics_log, state

SPECS = {'cnn': 'configs/listops_cnn.py', 'transformer': 'configs/listops_transformer.py'}
RUNS = {  # run name -> (model, seed)
    seeds.run_name(model, seed): (model, seed) for model in SPECS for seed in seeds.SEEDS
}
PUBLISHED = {  # LRA ListOps test accuracy %, sequences up to 2,000 tokens
    'vanilla Transformer (Tay et al. 2020)': 36.4,
    'best 2020 efficient transformer (Tay et al. 2020)': 37.3,
    'S4 (Gu et al. 2021)': 59.5,
}
COST_FILE = 'results/conv_vs_attention_cost.md'
CURVES = ('eval/accuracy', 'eval/loss', 'train/loss')


def field(config) -> str:
    """The tokens one position of the model's last layer sees."""
    kwargs = config.model.kwargs
    if config.model.name == 'text_cnn':
        tokens = receptive_field([kwargs.kernel_sizes[0]] * kwargs.depth)
        return f'{tokens} tokens (k = {kwargs.kernel_sizes[0]}, {kwargs.depth} layers)'
    return f'all {config.data.max_length} tokens'


def config(name: str):
    """The config of run `name`: its model's, at its seed."""
    model, seed = RUNS[name]
    return launcher.load_config(SPECS[model], seeds.overrides(seed))


def row(name: str, root: str) -> dict:
    workdir = trained_runs.workdir(root, name)
    run, params, step, validation = trained_runs.restore_best(config(name), workdir)
    model, seed = RUNS[name]
    return {
        'name': name,
        'model': model,
        'seed': seed,
        'spec': SPECS[model],
        'field': field(run.config),
        'parameters': state.num_params(params),
        'step': step,
        'validation': 100 * validation,
        'test': 100 * run.evaluate(params)['eval/accuracy'],
        'timing': trained_runs.timing(workdir),
        'curves': [
            {k: v for k, v in r.items() if k in ('step', *CURVES)}
            for r in metrics_log.read(workdir)
        ],
    }


def majority_baseline(config) -> tuple[str, float]:
    """(the most frequent train label, its share % of the test split)."""
    sources = builders.offline(config.data.name, data.data_dir(config.data)).as_data_source()
    train = collections.Counter(int(r['label']) for r in sources['train'])
    label = train.most_common(1)[0][0]
    test = [int(r['label']) for r in sources['test']]
    return str(label), 100 * test.count(label) / len(test)


def cost_table() -> list[str]:
    """The markdown table of results/conv_vs_attention_cost.md."""
    with open(COST_FILE) as handle:
        return [line.rstrip('\n') for line in handle if line.startswith('|')]


def report(rows: list[dict], figure_path: str) -> str:
    label, share = majority_baseline(launcher.load_config(SPECS['cnn'], {}))
    lines = [
        '# Conv1D vs self-attention on ListOps (64-256 tokens, depth ≤ 6; test split)',
        '',
        'Command: `python experiments/conv_vs_attention_listops.py --train`. Machine: '
        f'{benchlib.machine()}. Best checkpoint by validation accuracy.',
        '',
        '| model | seed | receptive field of a position | parameters | best step | validation % | '
        'test % | train time |',
        '|---|---|---|---|---|---|---|---|',
    ]
    for r in rows:
        lines.append(
            f'| `{r["spec"]}` | {r["seed"]} | {r["field"]} | {r["parameters"]:,} | {r["step"]:,} | '
            f'{r["validation"]:.1f} | {r["test"]:.1f} | {trained_runs.train_time(r["timing"])} |'
        )
    groups = {m: [r for r in rows if r['model'] == m] for m in SPECS}
    for model, mine in groups.items():
        if len(mine) > 1:
            lines.append(
                f'| `{SPECS[model]}`, mean ± sd | {len(mine)} seeds | | | | '
                f'{seeds.spread([r["validation"] for r in mine], 1)} | '
                f'{seeds.spread([r["test"] for r in mine], 1)} | |'
            )
    lines.append(
        f'| always answer {label} (most frequent train label) | — | — | — | — | {share:.1f} | — |'
    )
    lines += [
        '',
        'Published LRA ListOps test accuracy (lengths up to 2,000, depth 10; **not comparable**): '
        + '; '.join(f'{model} {accuracy}%' for model, accuracy in PUBLISHED.items())
        + '.',
        '',
        *verdict(groups),
        f'Curves: `{figure_path}`. Cost as n grows (from `{COST_FILE}`, '
        '`python experiments/conv_vs_attention_cost.py`; conv k = 3, d = 128):',
        '',
        *cost_table(),
        '',
    ]
    return '\n'.join(lines)


def verdict(groups: dict[str, list[dict]]) -> list[str]:
    """Whether conv and attention differ beyond the seed spread, on validation and on test."""
    if not all(groups.values()):
        return []
    lines = []
    for split in ('validation', 'test'):
        cnn, attention = ([r[split] for r in groups[m]] for m in SPECS)
        difference = statistics.mean(cnn) - statistics.mean(attention)
        beyond = 'beyond' if seeds.separated(cnn, attention) else 'within'
        lines.append(
            f'- {split}: conv - attention = {difference:+.1f} points, {beyond} the seed spread '
            f'({len(cnn)} and {len(attention)} seeds).'
        )
    return [f'Mean ± sample standard deviation over seeds; {seeds.RULE}.', '', *lines, '']


def main() -> None:
    args = trained_runs.parse_args(
        __doc__, RUNS, 'runs/listops', 'results/conv_vs_attention_listops.md'
    )
    trained_runs.train_missing(args, config)
    rows = [row(name, args.root) for name in args.names]
    figure_path = plot_curves(
        {r['name']: r['curves'] for r in rows}, os.path.splitext(args.out)[0] + '.png'
    )
    trained_runs.publish(report(rows, figure_path), args.out)


if __name__ == '__main__':
    main()
