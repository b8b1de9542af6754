"""Held-out-voice results of the audio models on spoken_keywords over 3 seeds, next to the MFCC +
logistic regression peer (results/peer_keywords.md). Each run (a config at seed 0, 1 or 2;
runs/keywords/<model> for seed 0, <model>_seed<k> otherwise) picks its best checkpoint on the
validation voices (config.checkpoint.best_metric) and is evaluated once on the test voices. The
table gives every run, with its wall time, and each config's mean ± sample standard deviation over
its seeds; the target (spectrogram CNN mean >= 95% and above the peer) is judged on the mean and
says whether the margin over the peer is beyond the seed spread (experiments/seeds.py) and, with
fewer than 3 seeds, on how many it rests. A run whose workdir is not here (trained in another
session) takes the row recorded in results/run_records/keywords_vs_peer/ when it was last
evaluated (experiments/trained_runs.py).

  python experiments/keywords_vs_peer.py --train        # train missing runs (resumes unfinished)
  python experiments/keywords_vs_peer.py --train --runs spec_cnn,spec_cnn_seed1,spec_cnn_seed2
  -> results/keywords_vs_peer.md
"""

import re
import statistics

import benchlib
import seeds
import trained_runs
from report import command

from seqlab import launcher
from seqlab.train import state

MODELS = {  # model -> config
    'spec_cnn': 'configs/spec_cnn.py',
    'spec_cnn_frame': 'configs/spec_cnn.py:head=frame',
    'spec_cnn_pixel': 'configs/spec_cnn.py:head=pixel',
    'wave_cnn': 'configs/wave_cnn.py',
    'audio_transformer': 'configs/audio_transformer.py',
}
RUNS = {  # run name -> (model, seed)
    seeds.run_name(model, seed): (model, seed) for model in MODELS for seed in seeds.SEEDS
}
TARGET = 95.0
ACCURACY = 'eval/accuracy'


def config(name: str):
    """The config of run `name`: its model's, at its seed."""
    model, seed = RUNS[name]
    return launcher.load_config(MODELS[model], seeds.overrides(seed))


def peer_accuracy(path: str = 'results/peer_keywords.md') -> float:
    with open(path) as handle:
        return float(re.search(r'Test accuracy[^:]*: ([\d.]+)%', handle.read()).group(1))


def row(name: str, root: str) -> dict:
    """One run: its best checkpoint by validation and its test metrics (%, loss left out)."""
    model, seed = RUNS[name]
    run_config = config(name)
    workdir = trained_runs.workdir(root, name)
    run, params, step, validation = trained_runs.restore_best(run_config, workdir)
    test = {k: 100 * v for k, v in run.evaluate(params).items() if k != 'eval/loss'}
    return {
        'model': model,
        'seed': seed,
        'spec': MODELS[model],
        'parameters': state.num_params(params),
        'step': step,
        'metric': run_config.checkpoint.best_metric.removeprefix('eval/'),
        'validation': 100 * validation,
        'test': test,
        'receptive_field': run.plan.task.describe(run.plan.model),
        'timing': trained_runs.timing(workdir),
    }


def cells(tests: list[dict[str, float]], show) -> tuple[str, str]:
    """(test accuracy %, the other test metrics) of one run's or one group's `tests`, each metric's
    values through `show`: [values] -> text."""
    accuracy = show([t[ACCURACY] for t in tests]) if ACCURACY in tests[0] else '—'
    others = ', '.join(
        f'{k.removeprefix("eval/")} {show([t[k] for t in tests])}'
        for k in tests[0]
        if k != ACCURACY
    )
    return accuracy, others or '—'


def model_lines(mine: list[dict]) -> list[str]:
    """Each seed's row of one config, then its mean ± sd row (saying how many seeds it rests on)."""
    lines = []
    for r in mine:
        accuracy, others = cells([r['test']], lambda values: f'{values[0]:.1f}')
        lines.append(
            f'| {r["model"]} | `{r["spec"]}` | {r["seed"]} | {r["parameters"]:,} | {r["step"]} | '
            f'{r["metric"]} {r["validation"]:.1f} | {accuracy} | {others} | '
            f'{trained_runs.train_time(r["timing"])} |'
        )
    accuracy, others = cells([r['test'] for r in mine], lambda values: seeds.spread(values, 1))
    validation = seeds.spread([r['validation'] for r in mine], 1)
    accuracy = accuracy if accuracy == '—' else f'**{accuracy}**'
    lines.append(
        f'| **{mine[0]["model"]}, mean ± sd** | `{mine[0]["spec"]}` | {seeds.counted(len(mine))} '
        f'| | | {mine[0]["metric"]} {validation} | {accuracy} | {others} | |'
    )
    return lines


def against_peer(mine: list[dict], peer: float) -> str:
    accuracies = [r['test'][ACCURACY] for r in mine]
    return (
        f'- {mine[0]["model"]}: mean {seeds.spread(accuracies, 1)}% vs {peer:.1f}%; '
        f'{seeds.margin(accuracies, peer, 1, " points")}.'
    )


def target(mine: list[dict], peer: float) -> str:
    accuracies = [r['test'][ACCURACY] for r in mine]
    mean = statistics.mean(accuracies)
    met = mean >= TARGET and mean > peer
    return (
        f'**Spectrogram CNN: mean {seeds.spread(accuracies, 1)}% on held-out voices vs the '
        f"peer's {peer:.1f}% ({seeds.margin(accuracies, peer, 1, ' points')}); target mean >= "
        f'{TARGET:.0f}% and above the peer: {seeds.judged(met, len(mine))}.**'
    )


def report(rows: list[dict], peer: float, command_line: str) -> str:
    groups = {m: [r for r in rows if r['model'] == m] for m in MODELS}
    groups = {m: mine for m, mine in groups.items() if mine}
    lines = [
        '# spoken_keywords: audio models vs the MFCC + logistic-regression peer',
        '',
        f'Command: `{command_line}`. Best checkpoint by the validation voices, evaluated once on '
        'the held-out test voices (1,600 clips, 10 voice variants never seen in training). '
        f'Table made on {benchlib.machine()}; each run was trained on the CPU its train-time '
        'cell names (with the load average at the start and end of its training) and its row '
        'recorded in results/run_records/keywords_vs_peer. Each config: every seed, then the mean ± sample standard deviation '
        f'over its seeds; {seeds.RULE}.',
        '',
        '| run | config | seed | parameters | best step | validation | test accuracy % | other '
        'test metrics | train time |',
        '|---|---|---|---|---|---|---|---|---|',
        f'| MFCC mean/std + logistic regression (peer) | experiments/peer_keywords.py | — | — | — '
        f'| — | {peer:.1f} | — | — |',
    ]
    for mine in groups.values():
        lines += model_lines(mine)
    lines += ['', 'Receptive fields (`task.describe(model)`):', '']
    lines += [f'- {m}: {mine[0]["receptive_field"]}' for m, mine in groups.items()]
    with_accuracy = [mine for mine in groups.values() if ACCURACY in mine[0]['test']]
    if with_accuracy:
        lines += ['', 'Mean test accuracy against the peer:', '']
        lines += [against_peer(mine, peer) for mine in with_accuracy]
    if 'spec_cnn' in groups:
        lines += ['', target(groups['spec_cnn'], peer)]
    return '\n'.join(lines + [''])


def main() -> None:
    args = trained_runs.parse_args(__doc__, RUNS, 'runs/keywords', 'results/keywords_vs_peer.md')
    trained_runs.train_missing(args, config)
    rows = trained_runs.rows(args, row, config, 'keywords_vs_peer')
    trained_runs.publish(report(rows, peer_accuracy(), command()), args.out)


if __name__ == '__main__':
    main()
