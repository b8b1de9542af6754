"""Trained forecasters on weekly Mauna Loa CO2 next to the statsmodels peers
(results/peer_forecast.md), on the same rolling origins of the test split.

Each run picks its best checkpoint by validation one-step MAE and forecasts 52 weeks
autoregressively (`seqlab.models.forecaster.forecast`) from every test week t that has 52 test weeks
ahead, using the 128 weeks before t. MAE and RMSE in ppm at horizons 1, 12 and 52 over observed
(not interpolated) weeks, as the peers.

  python experiments/forecast_vs_peer.py --train     # train missing runs (resumes unfinished)
  python experiments/forecast_vs_peer.py --runs conv_teacher_forcing,lstm
  -> results/forecast_vs_peer.md
"""

import os

import jax
import numpy as np
import trained_runs

from seqlab import launcher
from seqlab.models.forecaster import forecast
from seqlab.train import loop

RUNS = {  # name -> config
    'conv_teacher_forcing': 'configs/forecast.py',
    'conv_scheduled_sampling': 'configs/forecast.py:sampling=scheduled',
    'conv_pooled_head': 'configs/forecast.py:head=pooled',
    'lstm': 'configs/rnn_forecast.py',
    'gru': 'configs/rnn_forecast.py:cell=gru',
}
HORIZONS = (1, 12, 52)
PEER_FILE = 'results/peer_forecast.md'
NAIVE, STATSMODELS = 'seasonal naive', ('Holt-Winters', 'ARIMA')


def rolling_errors(run: loop.Run, params, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Errors of `steps`-step autoregressive forecasts in data units, and whether each target
    week was observed (not interpolated): both [origins, steps]."""
    model = run.plan.model
    ahead = jax.jit(lambda p, context: forecast(model, p, context, steps))
    extras = run.plan.splits.info.extras
    errors, observed = [], []
    for batch in run.plan.splits.eval:
        real = batch['mask'] > 0
        scaled = np.asarray(ahead(params, batch['context']))[real]
        errors.append((scaled - batch['target'][real, :steps]) * extras['std'])
        observed.append(batch['target_observed'][real, :steps])
    return np.concatenate(errors), np.concatenate(observed)


def rolling_scores(run: loop.Run, params) -> tuple[list[float], int]:
    """[MAE h=1, RMSE h=1, MAE h=12, ...] in data units, and the number of origins."""
    errors, observed = rolling_errors(run, params, max(HORIZONS))
    row = []
    for horizon in HORIZONS:
        error = errors[observed[:, horizon - 1], horizon - 1]
        row += [float(np.abs(error).mean()), float(np.sqrt(np.mean(error**2)))]
    return row, len(errors)


def run_on_test(spec: str, workdir: str, overrides: dict[str, str] | None = None) -> loop.Run:
    """The run in `workdir` of config `spec` (+ overrides), set to forecast max(HORIZONS) weeks
    from every test origin."""
    config = launcher.load_config(spec, overrides or {})
    config.data.update(eval_split='test', horizon=max(HORIZONS))
    return loop.Run(config, workdir, mode='eval')


def row(name: str, root: str) -> dict:
    config = launcher.load_config(RUNS[name], {})
    workdir = os.path.abspath(os.path.join(root, name))
    step, validation = trained_runs.best_step(config, workdir)
    run = run_on_test(RUNS[name], workdir)
    params, _ = run.restore_params(step)
    scores, origins = rolling_scores(run, params)
    return {
        'name': name,
        'spec': RUNS[name],
        'step': step,
        'validation': validation,
        'scores': scores,
        'origins': origins,
        'timing': trained_runs.timing(workdir),
    }


def peers() -> dict[str, list[float]]:
    """Peer name -> [MAE h=1, RMSE h=1, ...] from results/peer_forecast.md."""
    with open(PEER_FILE) as handle:
        lines = [line for line in handle if line.startswith('| ') and '---' not in line][1:]
    cells = [line.strip('| \n').split(' | ') for line in lines]
    return {c[0]: [float(v) for v in c[1 : 1 + 2 * len(HORIZONS)]] for c in cells}


def verdict(scores: list[float], peer_scores: dict[str, list[float]]) -> str:
    """Per horizon: beats seasonal naive? MAE ratio to the best statsmodels peer."""
    naive = next(v for k, v in peer_scores.items() if k.startswith(NAIVE))
    parts = []
    for index, horizon in enumerate(HORIZONS):
        mae = scores[2 * index]
        best = min(v[2 * index] for k, v in peer_scores.items() if k.startswith(STATSMODELS))
        beats_naive = 'beats naive' if mae < naive[2 * index] else 'loses to naive'
        parts.append(f'h={horizon}: {beats_naive}, {mae / best:.2f}x best')
    return '; '.join(parts)


def report(rows: list[dict]) -> str:
    peer_scores = peers()
    header = ' | '.join(f'MAE h={h} | RMSE h={h}' for h in HORIZONS)
    lines = [
        '# co2 weekly forecasting: seqlab forecasters vs statsmodels peers (test split, ppm)',
        '',
        'Command: `python experiments/forecast_vs_peer.py --train`. Best checkpoint by validation '
        f'one-step MAE; {rows[0]["origins"] if rows else "—"} rolling origins, 52-week '
        f'autoregressive forecasts. Peers from {PEER_FILE}.',
        '',
        f'| model | best step (val MAE h=1) | {header} | train time |',
        '|---' * (2 * len(HORIZONS) + 3) + '|',
    ]
    for name, scores in peer_scores.items():
        cells = ' | '.join(f'{v:.3f}' for v in scores)
        lines.append(f'| {name} (peer) | — | {cells} | — |')
    for r in rows:
        cells = ' | '.join(f'{v:.3f}' for v in r['scores'])
        lines.append(
            f'| `{r["spec"]}` | {r["step"]} ({r["validation"]:.3f}) | {cells} | '
            f'{trained_runs.train_time(r["timing"])} |'
        )
    lines += ['', 'MAE against seasonal naive and the best statsmodels peer at each horizon:', '']
    lines += [f'- `{r["spec"]}`: {verdict(r["scores"], peer_scores)}' for r in rows]
    return '\n'.join(lines + [''])


def main() -> None:
    args = trained_runs.parse_args(__doc__, RUNS, 'runs/forecast', 'results/forecast_vs_peer.md')
    trained_runs.train_missing(args, lambda name: launcher.load_config(RUNS[name], {}))
    trained_runs.publish(report([row(name, args.root) for name in args.names]), args.out)


if __name__ == '__main__':
    main()
