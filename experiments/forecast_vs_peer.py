"""Trained forecasters on weekly Mauna Loa CO2 over 3 seeds, next to the statsmodels peers
(results/peer_forecast.md), on the same rolling origins of the test split.

Each run picks its best checkpoint by validation one-step MAE and forecasts 52 weeks
autoregressively (`seqlab.models.forecaster.forecast`) from every test week t that has 52 test weeks
ahead, using the 128 weeks before t. MAE and RMSE in ppm at horizons 1, 12 and 52 over observed
(not interpolated) weeks, as the peers. The table gives each config's mean ± sample standard
deviation over seeds, then every seed's run with its wall time and load, and says which
differences (to the peers, between the conv variants) are beyond the seed spread (experiments/
seeds.py). Nothing is chosen on the test split.

  python experiments/forecast_vs_peer.py --train     # train missing runs (resumes unfinished)
  python experiments/forecast_vs_peer.py --runs conv_teacher_forcing,lstm   # seed 0 of two
  -> results/forecast_vs_peer.md

Runs live in runs/forecast/<config> (seed 0) and runs/forecast/<config>_seed<k>; the conv
teacher-forcing and scheduled-sampling runs are shared with
experiments/teacher_forcing_vs_scheduled_sampling.py.
"""

import jax
import numpy as np
import seeds
import trained_runs

from seqlab import launcher
from seqlab.models.forecaster import forecast
from seqlab.train import loop

CONFIGS = {  # config name -> config
    'conv_teacher_forcing': 'configs/forecast.py',
    'conv_scheduled_sampling': 'configs/forecast.py:sampling=scheduled',
    'conv_pooled_head': 'configs/forecast.py:head=pooled',
    'lstm': 'configs/rnn_forecast.py',
    'gru': 'configs/rnn_forecast.py:cell=gru',
}
CONV = ('conv_teacher_forcing', 'conv_scheduled_sampling', 'conv_pooled_head')
RUNS = {  # run name -> (config name, seed)
    seeds.run_name(name, seed): (name, seed) for name in CONFIGS for seed in seeds.SEEDS
}
HORIZONS = (1, 12, 52)
PEER_FILE = 'results/peer_forecast.md'
NAIVE, STATSMODELS = 'seasonal naive', ('Holt-Winters', 'ARIMA')


def config(name: str):
    """The config of run `name`: its config name's, at its seed."""
    config_name, seed = RUNS[name]
    return launcher.load_config(CONFIGS[config_name], seeds.overrides(seed))


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
    """One run (a config at one seed): its best checkpoint by validation and its test scores."""
    config_name, seed = RUNS[name]
    workdir = trained_runs.workdir(root, name)
    step, validation = trained_runs.best_step(config(name), workdir)
    run = run_on_test(CONFIGS[config_name], workdir, seeds.overrides(seed))
    params, _ = run.restore_params(step)
    scores, origins = rolling_scores(run, params)
    return {
        'config': config_name,
        'seed': seed,
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


def mae(rows: list[dict], index: int) -> list[float]:
    """MAE at HORIZONS[index] of each row."""
    return [r['scores'][2 * index] for r in rows]


def side(values: list[float], reference: float) -> str:
    """How the seeds' values compare with one reference value (lower is better)."""
    if max(values) < reference:
        return 'every seed lower'
    if min(values) > reference:
        return 'every seed higher'
    return 'seeds on both sides, within the spread'


def against_peers(rows: list[dict], peer_scores: dict[str, list[float]]) -> str:
    """Per horizon: the mean MAE's ratio to seasonal naive and to the best statsmodels peer, and
    where the seeds lie relative to each."""
    naive = next(v for k, v in peer_scores.items() if k.startswith(NAIVE))
    parts = []
    for index, horizon in enumerate(HORIZONS):
        values = mae(rows, index)
        best = min(v[2 * index] for k, v in peer_scores.items() if k.startswith(STATSMODELS))
        mean = float(np.mean(values))
        parts.append(
            f'h={horizon}: {mean / naive[2 * index]:.2f}x naive ({side(values, naive[2 * index])}), '
            f'{mean / best:.2f}x best peer ({side(values, best)})'
        )
    return '; '.join(parts)


def between(a: list[dict], b: list[dict]) -> str:
    """Per horizon: the mean MAE of a and of b and whether they differ beyond the seed spread."""
    parts = []
    for index, horizon in enumerate(HORIZONS):
        first, second = mae(a, index), mae(b, index)
        beyond = 'beyond the spread' if seeds.separated(first, second) else 'within the spread'
        parts.append(f'h={horizon}: {np.mean(first):.3f} vs {np.mean(second):.3f}, {beyond}')
    return '; '.join(parts)


def report(rows: list[dict]) -> str:
    peer_scores = peers()
    by_config = {
        name: [r for r in rows if r['config'] == name]
        for name in CONFIGS
        if any(r['config'] == name for r in rows)
    }
    header = ' | '.join(f'MAE h={h} | RMSE h={h}' for h in HORIZONS)
    columns = 2 * len(HORIZONS)
    lines = [
        '# co2 weekly forecasting: seqlab forecasters vs statsmodels peers (test split, ppm)',
        '',
        'Command: `python experiments/forecast_vs_peer.py --train`. Best checkpoint by validation '
        f'one-step MAE; {rows[0]["origins"] if rows else "—"} rolling origins, 52-week '
        f'autoregressive forecasts. Peers from {PEER_FILE} (deterministic: one number each). '
        f'CPU: {trained_runs.cpu_model()}. Mean ± sample standard deviation over seeds; '
        f'{seeds.RULE}. Train time is the training process wall time; load is the 1-minute load '
        'average before and after it (every runnable process, also lower-priority ones).',
        '',
        f'| model | seeds | val MAE h=1 | {header} |',
        '|---|---|---' + '|---' * columns + '|',
    ]
    for name, scores in peer_scores.items():
        cells = ' | '.join(f'{v:.3f}' for v in scores)
        lines.append(f'| {name} (peer) | — | — | {cells} |')
    for name, mine in by_config.items():
        cells = ' | '.join(
            seeds.spread([r['scores'][column] for r in mine], 3) for column in range(columns)
        )
        validation = seeds.spread([r['validation'] for r in mine], 3)
        lines.append(f'| `{CONFIGS[name]}` | {len(mine)} | {validation} | {cells} |')
    lines += [
        '',
        'Every run:',
        '',
        f'| config | seed | best step (val MAE h=1) | {header} | train time |',
        '|---|---|---' + '|---' * columns + '|---|',
    ]
    for r in rows:
        cells = ' | '.join(f'{v:.3f}' for v in r['scores'])
        lines.append(
            f'| `{CONFIGS[r["config"]]}` | {r["seed"]} | {r["step"]} ({r["validation"]:.3f}) | '
            f'{cells} | {trained_runs.train_time(r["timing"])} |'
        )
    lines += ['', 'Mean MAE against seasonal naive and the best statsmodels peer:', '']
    lines += [f'- `{CONFIGS[n]}`: {against_peers(m, peer_scores)}' for n, m in by_config.items()]
    conv = [name for name in CONV if name in by_config]
    pairs = [(a, b) for i, a in enumerate(conv) for b in conv[i + 1 :]]
    if pairs:
        lines += ['', 'Between the conv variants (mean MAE):', '']
        lines += [
            f'- `{CONFIGS[a]}` vs `{CONFIGS[b]}`: {between(by_config[a], by_config[b])}'
            for a, b in pairs
        ]
    return '\n'.join(lines + [''])


def main() -> None:
    args = trained_runs.parse_args(__doc__, RUNS, 'runs/forecast', 'results/forecast_vs_peer.md')
    trained_runs.train_missing(args, config)
    trained_runs.publish(report([row(name, args.root) for name in args.names]), args.out)


if __name__ == '__main__':
    main()
