"""Dilated vs undilated causal convolutions on MNIST-1D: receptive field and test accuracy at
equal parameter count.

The lecture's claim: with kernel k and L layers, dilations 1, 2, 4, ... give a receptive field
r = 1 + (k - 1)(2^L - 1), undilated layers only r = 1 + (k - 1) L, for the same parameters. The
causal CNN (`configs/causal_cnn.py`, 5 layers, k = 3, 32 channels) classifies each 40-sample
signal from its last output, so it sees only the last r samples. Best checkpoint by validation
accuracy, evaluated on the 1,000 test signals. Published MNIST-1D accuracies (Greydanus 2020:
CNN 94%, GRU 91%, MLP 68%) come from other models and training budgets: context, not a match.

  python experiments/dilated_vs_undilated.py --train
  -> results/dilated_vs_undilated.md and results/dilated_vs_undilated_<run>.png (the field drawn
     over a test signal)
"""

import os

import benchlib
import trained_runs

from seqlab import launcher
from seqlab.data.builders import mnist1d
from seqlab.figures.receptive_field import plot_receptive_field
from seqlab.train import state

RUNS = {
    'dilated': 'configs/causal_cnn.py',
    'undilated': 'configs/causal_cnn.py:dilation=none',
}
PUBLISHED = {'CNN': 94, 'GRU': 91, 'MLP': 68}  # Greydanus 2020, MNIST-1D test accuracy %


def row(name: str, root: str) -> dict:
    workdir = trained_runs.workdir(root, name)
    run, params, step, validation = trained_runs.restore_best(
        launcher.load_config(RUNS[name], {}), workdir
    )
    kwargs = run.config.model.kwargs
    return {
        'name': name,
        'spec': RUNS[name],
        'kernel_size': kwargs.kernel_size,
        'dilations': tuple(kwargs.dilations),
        'receptive_field': run.plan.model.receptive_field,
        'parameters': state.num_params(params),
        'step': step,
        'validation': 100 * validation,
        'test': 100 * run.evaluate(params)['eval/accuracy'],
        'timing': trained_runs.timing(workdir),
    }


def report(rows: list[dict], figures: list[str]) -> str:
    lines = [
        '# Dilated vs undilated causal convolutions on MNIST-1D (1,000 test signals of 40 samples)',
        '',
        'Command: `python experiments/dilated_vs_undilated.py --train`. Machine: '
        f'{benchlib.machine()}. Classified from the last output of '
        'the causal stack; best checkpoint by validation accuracy (400 signals).',
        '',
        '| run | dilations | receptive field (of 40) | parameters | best step | validation % | '
        'test % | train time |',
        '|---|---|---|---|---|---|---|---|',
    ]
    for r in rows:
        lines.append(
            f'| `{r["spec"]}` | {", ".join(map(str, r["dilations"]))} | {r["receptive_field"]} | '
            f'{r["parameters"]:,} | {r["step"]:,} | {r["validation"]:.1f} | {r["test"]:.1f} | '
            f'{trained_runs.train_time(r["timing"])} |'
        )
    lines += [
        '',
        'Published (Greydanus 2020, other architectures, not trained here): '
        + ', '.join(f'{model} ≈ {accuracy}%' for model, accuracy in PUBLISHED.items())
        + '.',
        '',
        'Figures (receptive field over a test signal): '
        + ', '.join(f'`{path}`' for path in figures)
        + '.',
        '',
    ]
    return '\n'.join(lines)


def main() -> None:
    args = trained_runs.parse_args(
        __doc__, RUNS, 'runs/causal_cnn', 'results/dilated_vs_undilated.md'
    )
    trained_runs.train_missing(args, lambda name: launcher.load_config(RUNS[name], {}))
    rows = [row(name, args.root) for name in args.names]
    signal = mnist1d.load()['test'][0][0]
    stem = os.path.splitext(args.out)[0]
    figures = [
        plot_receptive_field(
            r['kernel_size'], list(r['dilations']), signal, f'{stem}_{r["name"]}.png'
        )
        for r in rows
    ]
    trained_runs.publish(report(rows, figures), args.out)


if __name__ == '__main__':
    main()
