"""Class token vs mean pooling, for a ViT and a text transformer.

The same model reads out either the class token's final vector (pool=cls: a learned token
prepended at position 0 that attends to the sequence) or the mean of the final token vectors
(pool=mean, padding excluded). Each pair differs only in `pool` (ViT: 2 seeds, text: 1):

  vit    configs/vit.py:smoke (sklearn digits, 2x2 patches, 4 blocks of width 32), 400 steps
  text   configs/text_transformer.py (WordNet gloss -> supersense, 45 classes; 2 blocks of width 64,
         first 24 words), 400 steps

  python experiments/pooling.py --train      # train missing runs -> results/pooling.md
"""

import statistics

import benchlib
import ml_collections
import trained_runs

from seqlab import launcher

POOLS = ('cls', 'mean')
MODELS = {  # name -> (config spec without pool, overrides, what the eval split is, seeds)
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
        'test (hashed 20% of digits)',
        (0, 1),
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
        'validation (10% of glosses)',
        (0,),
    ),
}
RUNS = {
    f'{model}_{pool}_seed{seed}': (model, pool, seed)
    for model, (*_, seeds) in MODELS.items()
    for pool in POOLS
    for seed in seeds
}


COMMAND = 'python experiments/pooling.py --train'


def config(name: str) -> ml_collections.ConfigDict:
    """The run's config: the model's spec with `pool`, its overrides and the seed."""
    model, pool, seed = RUNS[name]
    spec, overrides, *_ = MODELS[model]
    return launcher.load_config(f'{spec},pool={pool}', {**overrides, 'seed': str(seed)})


def accuracy(name: str, root: str) -> float:
    """Eval accuracy % of the run's final (only) checkpoint."""
    return 100 * trained_runs.best_step(config(name), trained_runs.workdir(root, name))[1]


def report(root: str, models: list[str]) -> str:
    """The table for `models` (keys of MODELS)."""
    rows = []
    for model in models:
        *_, split, seeds = MODELS[model]
        means = {}
        for pool in POOLS:
            names = [f'{model}_{pool}_seed{seed}' for seed in seeds]
            accuracies = [accuracy(name, root) for name in names]
            means[pool] = statistics.mean(accuracies)
            minutes = (
                sum(
                    trained_runs.timing(trained_runs.workdir(root, n)).get('seconds', 0)
                    for n in names
                )
                / 60
            )
            rows.append(
                [
                    model,
                    pool,
                    split,
                    ', '.join(map(str, seeds)),
                    ', '.join(f'{a:.1f}' for a in accuracies),
                    f'{means[pool]:.1f}',
                    f'{minutes:.1f} min ({len(names)} runs)',
                ]
            )
        rows[-1].append(f'{means["mean"] - means["cls"]:+.1f}')
        rows[-2].append('')
    header = [
        'model',
        'pool',
        'eval split',
        'seeds',
        'accuracy % per seed',
        'mean',
        'train time',
        'mean - cls',
    ]
    lines = [
        '# Class token vs mean pooling',
        '',
        f'Command: `{COMMAND}`. Machine: {benchlib.machine()}.',
        '',
        *(
            f'- {model}: `{spec},pool=<cls|mean>` with '
            f'{", ".join(f"{k}={v}" for k, v in overrides.items())}'
            for model, (spec, overrides, *_) in MODELS.items()
            if model in models
        ),
        '',
        *benchlib.markdown_table(header, rows),
        '',
    ]
    return '\n'.join(lines)


def main() -> None:
    args = trained_runs.parse_args(__doc__, RUNS, 'runs/pooling', 'results/pooling.md')
    trained_runs.train_missing(args, config)
    models = [model for model in MODELS if any(RUNS[name][0] == model for name in args.names)]
    trained_runs.publish(report(args.root, models), args.out)


if __name__ == '__main__':
    benchlib.use_seqlab_allocator()
    main()
