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

  python experiments/positional_encodings.py --train     # -> results/positional_encodings.md, .png
"""

import benchlib
import ml_collections
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
RUNS = ('none', 'onehot', 'scalar', 'learned', 'sinusoidal', 'sinusoidal_concat')
EXTENDS = ('none', 'learned', 'sinusoidal', 'sinusoidal_concat')  # defined beyond TRAIN_LENGTH
COMMAND = 'python experiments/positional_encodings.py --train'


def config(position: str) -> ml_collections.ConfigDict:
    return launcher.load_config(f'{SPEC},position={position}', OVERRIDES)


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


def row(position: str, root: str) -> dict:
    trained, workdir = config(position), trained_runs.workdir(root, position)
    return {
        'position': position,
        'trained': accuracy(trained, workdir),
        'long': accuracy(longer(trained, LONG_LENGTH), workdir) if position in EXTENDS else None,
        'timing': trained_runs.timing(workdir),
    }


def report(rows: list[dict], figure: str) -> str:
    table = [
        [
            r['position'],
            f'{r["trained"]:.1f}',
            '—' if r['long'] is None else f'{r["long"]:.1f}',
            '—' if r['long'] is None else f'{r["long"] - r["trained"]:+.1f}',
            trained_runs.train_time(r['timing']),
        ]
        for r in rows
    ]
    header = [
        'position',
        f'accuracy % at {TRAIN_LENGTH} chars (trained)',
        f'at {LONG_LENGTH} chars',
        'change',
        'train time',
    ]
    lines = [
        '# Positional encodings: gloss -> supersense from characters (45 classes, validation)',
        '',
        f'Command: `{COMMAND}`. Machine: {benchlib.machine()}.',
        f'Runs: `{SPEC},position=<position>` with '
        f'{", ".join(f"{k}={v}" for k, v in OVERRIDES.items())}; one seed each. '
        f'The {LONG_LENGTH}-character column evaluates the same checkpoints with '
        f'data.max_length={LONG_LENGTH} (learned: table interpolated 32 -> 64); — : the '
        'encoding is not defined past the trained length.',
        '',
        *benchlib.markdown_table(header, table),
        '',
        f'![accuracy per encoding]({figure.rsplit("/", 1)[-1]})',
        '',
    ]
    return '\n'.join(lines)


def plot(rows: list[dict], path: str) -> str:
    """Accuracy per encoding at the trained length and at twice that length."""
    fig = common.figure(1, 1, panel=(7.0, 3.5))
    axis = fig.axes[0]
    places = range(len(rows))
    axis.bar(
        [p - 0.2 for p in places],
        [r['trained'] for r in rows],
        0.4,
        label=f'{TRAIN_LENGTH} chars (trained)',
    )
    axis.bar(
        [p + 0.2 for p in places],
        [r['long'] or 0.0 for r in rows],
        0.4,
        label=f'{LONG_LENGTH} chars',
    )
    axis.set_xticks(list(places), [r['position'] for r in rows], fontsize='small')
    axis.set(ylabel='validation accuracy %')
    axis.legend(fontsize='small')
    return common.save(fig, path)


def main() -> None:
    args = trained_runs.parse_args(
        __doc__, dict.fromkeys(RUNS), 'runs/positions', 'results/positional_encodings.md'
    )
    trained_runs.train_missing(args, config)
    rows = [row(position, args.root) for position in args.names]
    figure = plot(rows, args.out.removesuffix('.md') + '.png')
    trained_runs.publish(report(rows, figure), args.out)


if __name__ == '__main__':
    benchlib.use_seqlab_allocator()
    main()
