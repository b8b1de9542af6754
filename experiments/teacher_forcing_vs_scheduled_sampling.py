"""Teacher forcing vs scheduled sampling: multi-step forecasting error of the causal conv
forecaster on weekly Mauna Loa CO2 (test split), by horizon.

The lecture's claim: a model trained only on true inputs (teacher forcing) never sees its own
errors, so autoregressive forecasts drift as the horizon grows; feeding back its own predictions
during training (scheduled sampling, `configs/forecast.py:sampling=scheduled`, probability ramped
to 0.5 over the run) should shrink the long-horizon error. Same model, data, optimizer and seed on
both sides. Each run is evaluated at its best checkpoint by validation one-step MAE and at its
final step (where scheduled sampling has reached p = 0.5): 52-week autoregressive forecasts from
every test origin (experiments/forecast_vs_peer.py, whose seed-0 runs in runs/forecast are reused).

  python experiments/teacher_forcing_vs_scheduled_sampling.py --train
  -> results/teacher_forcing_vs_scheduled_sampling.md and .png
"""

import os

import forecast_vs_peer
import numpy as np
import trained_runs
from report import command

from seqlab import launcher
from seqlab.figures.common import figure, save

SPEC = {  # sampling -> (config, run name in forecast_vs_peer)
    'teacher_forcing': ('configs/forecast.py', 'conv_teacher_forcing'),
    'scheduled': ('configs/forecast.py:sampling=scheduled', 'conv_scheduled_sampling'),
}
SEEDS = (0, 1, 2)
RUNS = {  # name -> (sampling, seed); seed 0 is forecast_vs_peer's run, in the same workdir
    (name if seed == 0 else f'{name}_seed{seed}'): (sampling, seed)
    for sampling, (_, name) in SPEC.items()
    for seed in SEEDS
}
HORIZONS = (1, 4, 12, 26, 52)


def overrides(name: str) -> dict[str, str]:
    seed = RUNS[name][1]
    return {'seed': str(seed)} if seed else {}


def config(name: str):
    return launcher.load_config(SPEC[RUNS[name][0]][0], overrides(name))


def mae_by_horizon(name: str, root: str, step: int) -> np.ndarray:
    """MAE in ppm over observed test weeks at horizons 1..52: [52]."""
    run = forecast_vs_peer.run_on_test(
        SPEC[RUNS[name][0]][0], trained_runs.workdir(root, name), overrides(name)
    )
    params, _ = run.restore_params(step)
    errors, observed = forecast_vs_peer.rolling_errors(run, params, max(HORIZONS))
    return np.array([np.abs(errors[observed[:, h], h]).mean() for h in range(max(HORIZONS))])


def curves(name: str, root: str) -> dict[str, tuple[int, np.ndarray]]:
    """'best' and 'final' checkpoint -> (step, MAE by horizon)."""
    run_config = config(name)
    best, _ = trained_runs.best_step(run_config, trained_runs.workdir(root, name))
    final = int(run_config.steps)
    return {
        'best': (best, mae_by_horizon(name, root, best)),
        'final': (final, mae_by_horizon(name, root, final)),
    }


def with_sampling(results: dict, sampling: str) -> list[str]:
    return [name for name in results if RUNS[name][0] == sampling]


def plot(results: dict[str, dict], path: str) -> str:
    """MAE vs horizon, one panel per checkpoint, mean over seeds with the seeds' range shaded."""
    fig = figure(1, 2, (4.5, 3.0))
    horizons = np.arange(1, max(HORIZONS) + 1)
    for ax, checkpoint in zip(fig.axes, ('best', 'final'), strict=True):
        for sampling in SPEC:
            maes = np.stack([results[n][checkpoint][1] for n in with_sampling(results, sampling)])
            ax.plot(horizons, maes.mean(0), label=sampling.replace('_', ' '))
            ax.fill_between(horizons, maes.min(0), maes.max(0), alpha=0.2)
        ax.set(title=f'{checkpoint} checkpoint', xlabel='horizon (weeks)', ylabel='test MAE (ppm)')
    fig.axes[0].legend(fontsize='small')
    return save(fig, path)


def report(results: dict[str, dict], root: str, figure_path: str) -> str:
    seeds = sorted({RUNS[name][1] for name in results})
    header = ' | '.join(f'h={h}' for h in HORIZONS)
    lines = [
        '# Teacher forcing vs scheduled sampling: multi-step forecast error (co2 test, MAE ppm)',
        '',
        f'Command: `{command()}`; '
        f'{os.cpu_count()} CPU cores. Causal dilated conv forecaster (`configs/forecast.py`), '
        f'600 steps, seeds {", ".join(map(str, seeds))}; 52-week autoregressive forecasts from '
        'every test origin, MAE over observed weeks. Mean ± standard deviation over seeds; '
        '"best" = checkpoint with the lowest validation one-step MAE, "final" = step 600 '
        '(scheduled sampling probability 0.5).',
        '',
        f'| training | checkpoint (steps) | {header} | mean h=1..52 |',
        '|---|---|' + '---|' * (len(HORIZONS) + 1),
    ]
    for checkpoint in ('best', 'final'):
        for sampling, (spec, _) in SPEC.items():
            names = with_sampling(results, sampling)
            maes = np.stack([results[n][checkpoint][1] for n in names])
            steps = ', '.join(str(results[n][checkpoint][0]) for n in names)
            cells = ' | '.join(
                f'{maes[:, h - 1].mean():.3f} ± {maes[:, h - 1].std():.3f}' for h in HORIZONS
            )
            lines.append(
                f'| `{spec}` | {checkpoint} ({steps}) | {cells} | {maes.mean():.3f} ± '
                f'{maes.mean(1).std():.3f} |'
            )
    lines += [
        '',
        'Scheduled ÷ teacher-forcing MAE, per seed (below 1: scheduled sampling better):',
        '',
    ]
    lines += [
        f'| checkpoint | seed | {header} | mean h=1..52 |',
        '|---|---|' + '---|' * (len(HORIZONS) + 1),
    ]
    for checkpoint in ('best', 'final'):
        for seed in seeds:
            pair = [n for n in results if RUNS[n][1] == seed]
            teacher, scheduled = (
                results[next(n for n in pair if RUNS[n][0] == s)][checkpoint][1] for s in SPEC
            )
            ratio = ' | '.join(f'{scheduled[h - 1] / teacher[h - 1]:.2f}' for h in HORIZONS)
            lines.append(
                f'| {checkpoint} | {seed} | {ratio} | {scheduled.mean() / teacher.mean():.2f} |'
            )
    times = [
        trained_runs.train_time(trained_runs.timing(trained_runs.workdir(root, n))) for n in results
    ]
    lines += [
        '',
        f'Figure: `{figure_path}`. Train times: {", ".join(f"{n} {t}" for n, t in zip(results, times, strict=True))}.',
        '',
    ]
    return '\n'.join(lines)


def main() -> None:
    args = trained_runs.parse_args(
        __doc__, RUNS, 'runs/forecast', 'results/teacher_forcing_vs_scheduled_sampling.md'
    )
    trained_runs.train_missing(args, config)
    results = {name: curves(name, args.root) for name in args.names}
    figure_path = plot(results, os.path.splitext(args.out)[0] + '.png')
    trained_runs.publish(report(results, args.root, figure_path), args.out)


if __name__ == '__main__':
    main()
