"""Positional encodings on a task where order matters, and on sequences longer than in training.

Task: WordNet gloss -> supersense (45 classes) read character by character (the first 32
characters), so that without positions the transformer sees only a bag of characters. One
text transformer (configs/text_transformer.py: 2 blocks of width 64, class token, 1,200 steps,
lr 1e-3) per encoding; appended encodings take their dims from the width (tokens get 64 - dims):

  none               x_t = E[w_t]                     (attention cannot tell positions apart)
  onehot             x_t = [E[w_t], e_t]              (32 dims, e_t the t-th unit vector)
  scalar             x_t = [E[w_t], t / 32]           (1 dim)
  learned            x_t = E[w_t] + P_t               (P a learned [32, 64] table)
  sinusoidal         x_t = E[w_t] + S_t               (S_t sin/cos of t at 32 frequencies)
  sinusoidal_concat  x_t = [E[w_t], S_t]              (16 dims)

Longer than training: the same checkpoints evaluated on the first 64 characters. A learned table
is linearly resampled from 32 to 64 positions (interpolate=True); sinusoids are evaluated at the
new positions; onehot and scalar are defined only up to the trained length.

Every encoding is trained with seeds 0, 1 and 2 (runs/positions/<encoding>, <encoding>_seed<k>)
and scored on the validation split only: the table gives mean ± sample standard deviation over
seeds, every seed's numbers and wall time, and which differences are beyond the seed spread
(experiments/seeds.py). Nothing is chosen here, and the test split is not used.

  python experiments/positional_encodings.py --train     # -> results/positional_encodings.md, .png
"""

import benchlib
import ml_collections
import numpy as np
import seeds
import trained_runs

from seqlab import launcher
from seqlab.figures import common
from seqlab.train import loop

TRAIN_LENGTH = 32
LONG_LENGTH = 2 * TRAIN_LENGTH
STEPS = 1200
SPEC = f'configs/text_transformer.py:tokenizer=char,vocab=128,max_length={TRAIN_LENGTH}'
OVERRIDES = {
    'model.kwargs.width': '64',
    'model.kwargs.depth': '2',
    'model.kwargs.mlp_dim': '128',
    'optim.lr': '1e-3',
    'steps': str(STEPS),
    'eval_every': str(STEPS),
    'checkpoint.every': str(STEPS),
}
POSITIONS = ('none', 'onehot', 'scalar', 'learned', 'sinusoidal', 'sinusoidal_concat')
RUNS = {  # run name -> (position, seed)
    seeds.run_name(position, seed): (position, seed)
    for position in POSITIONS
    for seed in seeds.SEEDS
}
EXTENDS = ('none', 'learned', 'sinusoidal', 'sinusoidal_concat')  # defined beyond TRAIN_LENGTH
COMMAND = 'python experiments/positional_encodings.py --train'


def config(name: str) -> ml_collections.ConfigDict:
    """The config of run `name`: its encoding, at its seed."""
    position, seed = RUNS[name]
    return launcher.load_config(f'{SPEC},position={position}', OVERRIDES | seeds.overrides(seed))


def longer(config: ml_collections.ConfigDict, length: int) -> ml_collections.ConfigDict:
    """The trained model reading `length` tokens: data longer, position table stretched."""
    config = config.copy_and_resolve_references()
    config.data.max_length = length
    config.model.kwargs.interpolate = True
    return config


def accuracy(config: ml_collections.ConfigDict, workdir: str) -> float:
    """Eval accuracy % of the run's final checkpoint under `config`."""
    run = loop.Run(config, workdir, mode='eval')
    params, _ = run.restore_params()
    return 100 * run.evaluate(params)['eval/accuracy']


def row(name: str, root: str) -> dict:
    position, seed = RUNS[name]
    trained, workdir = config(name), trained_runs.workdir(root, name)
    return {
        'position': position,
        'seed': seed,
        'trained': accuracy(trained, workdir),
        'long': accuracy(longer(trained, LONG_LENGTH), workdir) if position in EXTENDS else None,
        'timing': trained_runs.timing(workdir),
    }


def by_position(rows: list[dict]) -> dict[str, list[dict]]:
    """Encoding -> its rows (one per seed), in POSITIONS order."""
    return {
        p: [r for r in rows if r['position'] == p]
        for p in POSITIONS
        if any(r['position'] == p for r in rows)
    }


def change(r: dict) -> float:
    """Accuracy at LONG_LENGTH minus at TRAIN_LENGTH, in points."""
    return r['long'] - r['trained']


def drop_verdict(changes: list[float]) -> str:
    """Whether the change with length is beyond the seed spread (every seed on one side of 0)."""
    if max(changes) < 0:
        return 'every seed drops'
    if min(changes) > 0:
        return 'every seed gains'
    return 'within the spread'


def comparisons(groups: dict[str, list[float]]) -> list[str]:
    """Per encoding, best mean first: which encodings it beats and loses to beyond the spread."""
    order = sorted(groups, key=lambda p: -np.mean(groups[p]))
    lines = []
    for position in order:
        mine = groups[position]
        above = [p for p in order if p != position and min(mine) > max(groups[p])]
        below = [p for p in order if p != position and max(mine) < min(groups[p])]
        within = [p for p in order if p != position and p not in above + below]
        parts = [
            f'{label} {", ".join(names)}'
            for label, names in (
                ('above', above),
                ('below', below),
                ('within the spread of', within),
            )
            if names
        ]
        lines.append(f'- {position} ({np.mean(mine):.1f}): {"; ".join(parts)}')
    return lines


def report(rows: list[dict], figure: str) -> str:
    groups = by_position(rows)
    summary = []
    for position, mine in groups.items():
        extends = position in EXTENDS
        summary.append(
            [
                position,
                len(mine),
                seeds.spread([r['trained'] for r in mine], 1),
                seeds.spread([r['long'] for r in mine], 1) if extends else '—',
                seeds.spread([change(r) for r in mine], 1) if extends else '—',
                drop_verdict([change(r) for r in mine]) if extends else '—',
            ]
        )
    every = [
        [
            r['position'],
            r['seed'],
            f'{r["trained"]:.1f}',
            '—' if r['long'] is None else f'{r["long"]:.1f}',
            '—' if r['long'] is None else f'{change(r):+.1f}',
            trained_runs.train_time(r['timing']),
        ]
        for r in rows
    ]
    trained_header = f'accuracy % at {TRAIN_LENGTH} chars (trained)'
    lines = [
        '# Positional encodings: gloss -> supersense from characters (45 classes, validation)',
        '',
        f'Command: `{COMMAND}`. Machine: {benchlib.machine()}.',
        f'Runs: `{SPEC},position=<position>` with '
        f'{", ".join(f"{k}={v}" for k, v in OVERRIDES.items())}; seeds '
        f'{", ".join(map(str, sorted({r["seed"] for r in rows})))}, mean ± sample standard '
        f'deviation over seeds; {seeds.RULE}. The {LONG_LENGTH}-character column evaluates the '
        f'same checkpoints with data.max_length={LONG_LENGTH} (learned: table interpolated '
        '32 -> 64); — : the encoding is not defined past the trained length. Validation split '
        'only; nothing is chosen. Train time is the training process wall time; load is the '
        '1-minute load average before and after it (every runnable process, also lower-priority '
        'ones).',
        '',
        *benchlib.markdown_table(
            [
                'position',
                'seeds',
                trained_header,
                f'at {LONG_LENGTH} chars',
                'change',
                'change beyond the spread?',
            ],
            summary,
        ),
        '',
        f'Which differences at {TRAIN_LENGTH} characters are beyond the seed spread:',
        '',
        *comparisons({p: [r['trained'] for r in mine] for p, mine in groups.items()}),
        '',
        f'At {LONG_LENGTH} characters:',
        '',
        *comparisons({p: [r['long'] for r in mine] for p, mine in groups.items() if p in EXTENDS}),
        '',
        'Every run:',
        '',
        *benchlib.markdown_table(
            ['position', 'seed', trained_header, f'at {LONG_LENGTH} chars', 'change', 'train time'],
            every,
        ),
        '',
        f'![accuracy per encoding]({figure.rsplit("/", 1)[-1]})',
        '',
    ]
    return '\n'.join(lines)


def plot(rows: list[dict], path: str) -> str:
    """Mean accuracy per encoding at the trained length and at twice that length, with every
    seed's value as a dot."""
    groups = by_position(rows)
    fig = common.figure(1, 1, panel=(7.0, 3.5))
    axis = fig.axes[0]
    for offset, key, label in (
        (-0.2, 'trained', f'{TRAIN_LENGTH} chars (trained)'),
        (0.2, 'long', f'{LONG_LENGTH} chars'),
    ):
        places = [i + offset for i, p in enumerate(groups) if key == 'trained' or p in EXTENDS]
        values = [
            [r[key] for r in mine] for p, mine in groups.items() if key == 'trained' or p in EXTENDS
        ]
        axis.bar(places, [np.mean(v) for v in values], 0.4, label=label)
        for place, seed_values in zip(places, values, strict=True):
            axis.plot([place] * len(seed_values), seed_values, '.', color='black', markersize=3)
    axis.set_xticks(list(range(len(groups))), list(groups), fontsize='small')
    axis.set(ylabel='validation accuracy %')
    axis.legend(fontsize='small')
    return common.save(fig, path)


def main() -> None:
    args = trained_runs.parse_args(
        __doc__, RUNS, 'runs/positions', 'results/positional_encodings.md'
    )
    trained_runs.train_missing(args, config)
    rows = [row(name, args.root) for name in args.names]
    figure = plot(rows, args.out.removesuffix('.md') + '.png')
    trained_runs.publish(report(rows, figure), args.out)


if __name__ == '__main__':
    benchlib.use_seqlab_allocator()
    main()
