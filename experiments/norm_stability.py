"""Post-LN vs pre-LN transformer stability across learning rates.

A 6-block ViT (width 32, 2x2 patches: 16 tokens + class token) on sklearn digits, 300 AdamW steps
without warmup (gradients clipped at norm 1, the project default), for each learning rate and
both block orders, run as one seqlab sweep (seqlab.sweep: one launch.py process per trial, resumed
when rerun):

  post_ln:  H = LN(MHA(X) + X);  Y = LN(g(H) + H)        pre_ln:  H = X + MHA(LN(X));  Y = H + g(LN(H))

A run diverged when its loss became NaN/Inf (the loop stops it) or its final training loss stays at
chance or above (>= 0.99 ln 10 = 2.28: predicting the class frequencies, whatever the input).

  python experiments/norm_stability.py     # -> results/norm_stability.md, .png (sweep in runs/)
"""

import argparse
import csv
import logging
import math
import os

import benchlib
import trained_runs

from seqlab import launcher
from seqlab.figures import common
from seqlab.sweep import runner
from seqlab.sweep.worker import trial_dir
from seqlab.train import metrics_log

SPEC = 'configs/vit.py:smoke'
OVERRIDES = {  # the smoke ViT on digits, made deeper and trained longer
    'model.kwargs.patch': '2',
    'model.kwargs.width': '32',
    'model.kwargs.depth': '6',
    'model.kwargs.mlp_dim': '64',
    'steps': '300',
    'log_every': '25',
    'eval_every': '100',
    'checkpoint.every': '300',
    'optim.warmup': '0',
}
NORMS = ('post_ln', 'pre_ln')
LEARNING_RATES = (3e-4, 1e-3, 3e-3, 1e-2, 3e-2)
CHANCE_LOSS = math.log(10)
STUCK_LOSS = 0.99 * CHANCE_LOSS
COMMAND = 'python experiments/norm_stability.py'


def get_sweep(arg: str | None = None) -> dict:
    """The grid: both block orders x the learning rates."""
    return dict(grid={'model.kwargs.norm': list(NORMS), 'optim.lr': list(LEARNING_RATES)})


def outcome(trial: dict, directory: str) -> dict:
    """A sweep row (results.csv) -> its training loss curve, final loss, accuracy, divergence."""
    workdir = trial_dir(directory, int(trial['trial']))
    started = os.path.exists(os.path.join(workdir, metrics_log.METRICS_FILE))
    records = metrics_log.read(workdir) if started else []
    losses = [(r['step'], r['train/loss']) for r in records if 'train/loss' in r]
    accuracies = [r['eval/accuracy'] for r in records if 'eval/accuracy' in r]
    final = losses[-1][1] if losses else math.nan
    blew_up = trial['status'] == 'failed' and 'non-finite' in trial['error']
    return {
        'norm': trial['model.kwargs.norm'],
        'lr': float(trial['optim.lr']),
        'losses': losses,
        'final_loss': final,
        'accuracy': 100 * accuracies[-1] if accuracies and not blew_up else math.nan,
        'diverged': blew_up or not final < STUCK_LOSS,
        'status': 'NaN/Inf loss' if blew_up else trial['status'],
    }


def cell(run: dict) -> str:
    """'0.123 / 95.2%' (final training loss / test accuracy), marked when it diverged."""
    if run['status'] == 'NaN/Inf loss':
        return '**diverged** (NaN/Inf loss)'
    if run['status'] != 'complete':
        return run['status']
    text = f'{run["final_loss"]:.3f} / {run["accuracy"]:.1f}%'
    return f'**diverged** ({text})' if run['diverged'] else text


def report(runs: list[dict], figure: str) -> str:
    by_key = {(run['norm'], run['lr']): run for run in runs}
    rows = [[f'{lr:g}', *(cell(by_key[(norm, lr)]) for norm in NORMS)] for lr in LEARNING_RATES]
    lines = [
        '# Post-LN vs pre-LN: stability across learning rates (ViT, 6 blocks, sklearn digits)',
        '',
        f'Command: `{COMMAND}` (a seqlab sweep of {len(runs)} trials over '
        f'`{SPEC}` with {", ".join(f"{k}={v}" for k, v in OVERRIDES.items())}).',
        f'Machine: {benchlib.machine()}.',
        '',
        'Each cell: final training loss (mean of the last 25 steps) / test accuracy after 300 '
        'steps. Diverged: NaN/Inf loss, or final loss >= 0.99 ln 10 (stuck at chance).',
        '',
        *benchlib.markdown_table(['lr', *NORMS], rows),
        '',
        f'![training loss per learning rate]({os.path.basename(figure)})',
        '',
    ]
    return '\n'.join(lines)


def plot(runs: list[dict], path: str) -> str:
    """Training loss curves, one panel per block order, one line per learning rate."""
    fig = common.figure(1, len(NORMS), panel=(4.0, 3.0))
    for axis, norm in zip(fig.axes, NORMS, strict=True):
        for run in sorted((r for r in runs if r['norm'] == norm), key=lambda r: r['lr']):
            steps, losses = zip(*run['losses'], strict=True) if run['losses'] else ((), ())
            axis.plot(steps, losses, label=f'lr {run["lr"]:g}')
        axis.axhline(CHANCE_LOSS, color='grey', linestyle=':', label='chance')
        axis.set(title=norm, xlabel='step', ylabel='training loss', yscale='log')
    fig.axes[0].legend(fontsize='small')
    return common.save(fig, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sweep_dir', default='runs/norm_stability')
    parser.add_argument('--out', default='results/norm_stability.md')
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(message)s')
    directory = os.path.abspath(args.sweep_dir)
    config = launcher.load_config(SPEC, OVERRIDES)
    runner.run(SPEC, OVERRIDES, config, get_sweep, directory, runner.Options())
    with open(os.path.join(directory, 'results.csv')) as handle:
        runs = [outcome(trial, directory) for trial in csv.DictReader(handle)]
    figure = plot(runs, args.out.removesuffix('.md') + '.png')
    trained_runs.publish(report(runs, figure), args.out)


if __name__ == '__main__':
    benchlib.use_seqlab_allocator()
    main()
