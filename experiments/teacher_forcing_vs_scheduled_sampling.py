"""Teacher forcing vs scheduled sampling: multi-step forecasting error of the causal conv
forecaster on weekly Mauna Loa CO2 (test split), by horizon.

The lecture's claim: a model trained only on true inputs (teacher forcing) never sees its own
errors, so autoregressive forecasts drift as the horizon grows; feeding back its own predictions
during training (scheduled sampling, `configs/forecast.py:sampling=scheduled`, probability ramped
to 0.5 over the run) should shrink the long-horizon error. Same model, data, optimizer and seeds
(0, 1, 2) on both sides. Each run is evaluated at its best checkpoint by validation one-step MAE
and at its final step (where scheduled sampling has reached p = 0.5): 52-week autoregressive
forecasts from every test origin. The table says at which horizons the difference is beyond the
seed spread (experiments/seeds.py). The runs are experiments/forecast_vs_peer.py's conv runs, in
the same workdirs (runs/forecast), trained once for both.

  python experiments/teacher_forcing_vs_scheduled_sampling.py --train
  -> results/teacher_forcing_vs_scheduled_sampling.md and .png
"""

import os

import forecast_vs_peer
import numpy as np
import seeds
import trained_runs
from report import command

from seqlab.figures.common import figure, save

SPEC = {  # sampling -> run name in forecast_vs_peer (its config there)
    'teacher_forcing': 'conv_teacher_forcing',
    'scheduled': 'conv_scheduled_sampling',
}
RUNS = {  # run name -> (sampling, seed); forecast_vs_peer's runs, in the same workdirs
    seeds.run_name(name, seed): (sampling, seed)
    for sampling, name in SPEC.items()
    for seed in seeds.SEEDS
}
HORIZONS = (1, 4, 12, 26, 52)


def spec(name: str) -> str:
    """The config of run `name` (without its seed)."""
    return forecast_vs_peer.CONFIGS[SPEC[RUNS[name][0]]]


config = forecast_vs_peer.config  # the same run names, so the same configs and workdirs


def mae_by_horizon(name: str, root: str, step: int) -> np.ndarray:
    """MAE in ppm over observed test weeks at horizons 1..52: [52]."""
    run = forecast_vs_peer.run_on_test(
        spec(name), trained_runs.workdir(root, name), seeds.overrides(RUNS[name][1])
    )
    params, _ = run.restore_params(step)
    errors, observed = forecast_vs_peer.rolling_errors(run, params, max(HORIZONS))
    return np.array([np.abs(errors[observed[:, h], h]).mean() for h in range(max(HORIZONS))])


def curves(name: str, root: str) -> dict:
    """'best' and 'final' checkpoint -> (step, MAE by horizon); 'timing' -> the run's timing."""
    run_config = config(name)
    best, _ = trained_runs.best_step(run_config, trained_runs.workdir(root, name))
    final = int(run_config.steps)
    return {
        'best': (best, mae_by_horizon(name, root, best)),
        'final': (final, mae_by_horizon(name, root, final)),
        'timing': trained_runs.timing(trained_runs.workdir(root, name)),
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


def maes(results: dict[str, dict], sampling: str, checkpoint: str) -> np.ndarray:
    """MAE by horizon of each seed of `sampling` at `checkpoint`: [seeds, 52]."""
    return np.stack([results[n][checkpoint][1] for n in with_sampling(results, sampling)])


def beyond(teacher: np.ndarray, scheduled: np.ndarray) -> str:
    """Whether the seeds' values (lower is better) differ beyond their spread, and which wins."""
    if not seeds.separated(teacher, scheduled):
        return 'within'
    return 'scheduled lower' if scheduled.max() < teacher.min() else 'teacher forcing lower'


def conclusion(results: dict[str, dict]) -> str:
    """The lecture claim checked at h=52 and over h=1..52, at both checkpoints."""
    parts = []
    for checkpoint in ('best', 'final'):
        teacher, scheduled = (maes(results, s, checkpoint) for s in SPEC)
        for label, t, s in (
            ('h=52', teacher[:, -1], scheduled[:, -1]),
            ('mean h=1..52', teacher.mean(1), scheduled.mean(1)),
        ):
            verdict = beyond(t, s)
            verdict = 'within the seed spread' if verdict == 'within' else f'beyond it: {verdict}'
            parts.append(
                f'{checkpoint} checkpoint, {label}: scheduled {s.mean():.3f} vs teacher forcing '
                f'{t.mean():.3f} ppm, {verdict}'
            )
    return '; '.join(parts) + '.'


def report(results: dict[str, dict], figure_path: str) -> str:
    used = sorted({RUNS[name][1] for name in results})
    header = ' | '.join(f'h={h}' for h in HORIZONS)
    lines = [
        '# Teacher forcing vs scheduled sampling: multi-step forecast error (co2 test, MAE ppm)',
        '',
        f'Command: `{command()}`. CPU: {trained_runs.cpu_model()}. Causal dilated conv '
        f'forecaster (`configs/forecast.py`), 600 steps, seeds {", ".join(map(str, used))}; '
        '52-week autoregressive forecasts from every test origin, MAE over observed weeks. Mean ± '
        'sample standard deviation over seeds; "best" = checkpoint with the lowest validation '
        'one-step MAE, "final" = step 600 (scheduled sampling probability 0.5). '
        f'{seeds.RULE.capitalize()}.',
        '',
        f'| training | checkpoint (steps) | {header} | mean h=1..52 |',
        '|---|---|' + '---|' * (len(HORIZONS) + 1),
    ]
    for checkpoint in ('best', 'final'):
        for sampling, name in SPEC.items():
            mine = maes(results, sampling, checkpoint)
            steps = ', '.join(
                str(results[n][checkpoint][0]) for n in with_sampling(results, sampling)
            )
            cells = ' | '.join(seeds.spread(mine[:, h - 1], 3) for h in HORIZONS)
            lines.append(
                f'| `{forecast_vs_peer.CONFIGS[name]}` | {checkpoint} ({steps}) | {cells} | '
                f'{seeds.spread(mine.mean(1), 3)} |'
            )
    lines += [
        '',
        'Scheduled vs teacher forcing beyond the seed spread?',
        '',
        f'| checkpoint | {header} | mean h=1..52 |',
        '|---|' + '---|' * (len(HORIZONS) + 1),
    ]
    for checkpoint in ('best', 'final'):
        teacher, scheduled = (maes(results, s, checkpoint) for s in SPEC)
        cells = ' | '.join(beyond(teacher[:, h - 1], scheduled[:, h - 1]) for h in HORIZONS)
        lines.append(f'| {checkpoint} | {cells} | {beyond(teacher.mean(1), scheduled.mean(1))} |')
    lines += [
        '',
        'Scheduled ÷ teacher-forcing MAE, per seed (below 1: scheduled sampling better):',
        '',
        f'| checkpoint | seed | {header} | mean h=1..52 |',
        '|---|---|' + '---|' * (len(HORIZONS) + 1),
    ]
    for checkpoint in ('best', 'final'):
        for seed in used:
            pair = [n for n in results if RUNS[n][1] == seed]
            teacher, scheduled = (
                results[next(n for n in pair if RUNS[n][0] == s)][checkpoint][1] for s in SPEC
            )
            ratio = ' | '.join(f'{scheduled[h - 1] / teacher[h - 1]:.2f}' for h in HORIZONS)
            lines.append(
                f'| {checkpoint} | {seed} | {ratio} | {scheduled.mean() / teacher.mean():.2f} |'
            )
    lines += [
        '',
        f'Conclusion: {conclusion(results)}',
        '',
        '| run | seed | train time |',
        '|---|---|---|',
        *(
            f'| {name} | {RUNS[name][1]} | {trained_runs.train_time(result["timing"])} |'
            for name, result in results.items()
        ),
        '',
        f'Figure: `{figure_path}`.',
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
    trained_runs.publish(report(results, figure_path), args.out)


if __name__ == '__main__':
    main()
