"""Class token vs mean pooling, for a ViT and a text transformer.

The same model reads out either the class token's final vector (pool=cls: a learned token
prepended at position 0 that attends to the sequence) or the mean of the final token vectors
(pool=mean, padding excluded). Each pair differs only in `pool`; each is trained with seeds 0, 1
and 2 (runs/pooling/<model>_<pool>, <model>_<pool>_seed<k>) and scored on the validation split:

  vit    configs/vit.py:smoke (sklearn digits, 2x2 patches, 4 blocks of width 32), 400 steps
  text   configs/text_transformer.py (WordNet gloss -> supersense, 45 classes; 2 blocks of width 64,
         first 24 words), 400 steps

The table gives the mean ± spread of each pool and whether mean - cls is beyond the seed spread
(experiments/seeds.py). Nothing is chosen here, and the test split is not used.

  python experiments/pooling.py --train      # train missing runs -> results/pooling.md
"""

import statistics

import benchlib
import ml_collections
import seeds
import trained_runs

from seqlab import launcher

POOLS = ('cls', 'mean')
MODELS = {  # name -> (config spec without pool, overrides)
    'vit': (
        'configs/vit.py:smoke',
        {
            'model.kwargs.patch': '2',
            'model.kwargs.width': '32',
            'model.kwargs.depth': '4',
            'model.kwargs.mlp_dim': '64',
            'steps': '400',
            'eval_every': '400',
            'checkpoint.every': '400',
        },
    ),
    'text': (
        'configs/text_transformer.py:vocab=8000,max_length=24',
        {
            'model.kwargs.width': '64',
            'model.kwargs.depth': '2',
            'model.kwargs.mlp_dim': '128',
            'steps': '400',
            'eval_every': '400',
            'checkpoint.every': '400',
        },
    ),
}
RUNS = {  # run name -> (model, pool, seed)
    seeds.run_name(f'{model}_{pool}', seed): (model, pool, seed)
    for model in MODELS
    for pool in POOLS
    for seed in seeds.SEEDS
}


COMMAND = 'python experiments/pooling.py --train'


def config(name: str) -> ml_collections.ConfigDict:
    """The run's config: the model's spec with `pool`, its overrides and the seed."""
    model, pool, seed = RUNS[name]
    spec, overrides = MODELS[model]
    return launcher.load_config(f'{spec},pool={pool}', overrides | seeds.overrides(seed))


def accuracy(name: str, root: str) -> float:
    """Eval accuracy % of the run's final (only) checkpoint."""
    return 100 * trained_runs.best_step(config(name), trained_runs.workdir(root, name))[1]


def eval_split(model: str) -> str:
    """'validation of digits': the split and dataset that `model`'s runs are scored on."""
    data = config(seeds.run_name(f'{model}_cls', 0)).data
    return f'{data.eval_split} of {data.name}'


def report(root: str, names: list[str]) -> str:
    """The table for the runs `names` (keys of RUNS), one row per model and pool."""
    rows = []
    for model in MODELS:
        accuracies = {}
        for pool in POOLS:
            mine = [n for n in names if RUNS[n][:2] == (model, pool)]
            if not mine:
                continue
            accuracies[pool] = [accuracy(n, root) for n in mine]
            seconds = sum(
                trained_runs.timing(trained_runs.workdir(root, n)).get('seconds', 0) for n in mine
            )
            rows.append(
                [
                    model,
                    pool,
                    eval_split(model),
                    ', '.join(str(RUNS[n][2]) for n in mine),
                    ', '.join(f'{a:.1f}' for a in accuracies[pool]),
                    seeds.spread(accuracies[pool], 1),
                    f'{seconds / 60:.1f} min ({len(mine)} runs)',
                    '',
                    '',
                ]
            )
        if len(accuracies) == len(POOLS):
            difference = statistics.mean(accuracies['mean']) - statistics.mean(accuracies['cls'])
            rows[-1][-2] = f'{difference:+.1f}'
            rows[-1][-1] = 'yes' if seeds.separated(accuracies['mean'], accuracies['cls']) else 'no'
    header = [
        'model',
        'pool',
        'eval split',
        'seeds',
        'accuracy % per seed',
        'mean ± sd',
        'train time',
        'mean - cls',
        'beyond the seed spread?',
    ]
    lines = [
        '# Class token vs mean pooling',
        '',
        f'Command: `{COMMAND}`. Machine: {benchlib.machine()}.',
        '',
        *(
            f'- {model}: `{spec},pool=<cls|mean>` with '
            f'{", ".join(f"{k}={v}" for k, v in overrides.items())}'
            for model, (spec, overrides) in MODELS.items()
        ),
        '',
        f'Mean ± sample standard deviation over seeds; {seeds.RULE}. Train time is the training '
        "processes' wall time on a shared machine.",
        '',
        *benchlib.markdown_table(header, rows),
        '',
    ]
    return '\n'.join(lines)


def main() -> None:
    args = trained_runs.parse_args(__doc__, RUNS, 'runs/pooling', 'results/pooling.md')
    trained_runs.train_missing(args, config)
    trained_runs.publish(report(args.root, args.names), args.out)


if __name__ == '__main__':
    benchlib.use_seqlab_allocator()
    main()
