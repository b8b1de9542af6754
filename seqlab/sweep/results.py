"""The sweep's table: one row per trial with its swept values, status, metrics, steps and wall time.

Written as `results.csv` and `results.md` in the sweep directory after every trial; `--sweep_dry_run`
prints the same trials with the overrides they run with.
"""

import csv
import io
import os

import optuna
from optuna.trial import FrozenTrial, TrialState

from seqlab.sweep import study as study_lib
from seqlab.sweep.definition import Sweep, suggest, text

STATUS = {
    TrialState.WAITING: 'queued',
    TrialState.RUNNING: 'running',
    TrialState.COMPLETE: 'complete',
    TrialState.FAIL: 'failed',
}


def planned(sweep: Sweep) -> list[dict[str, str]]:
    """The overrides of every trial before it runs; TPE's model-based draws show as `<tpe>`.

    Replays what a worker does (queue, ask, seed the sampler by slot, suggest) in memory, so the
    grid values and the random draws are exactly those the trials will get.
    """
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study()
    overrides = []
    for slot in range(sweep.size):
        if sweep.sampler == 'tpe' and slot >= study_lib.TPE_STARTUP:
            overrides.append({**sweep.fixed(slot), **dict.fromkeys(sweep.search, '<tpe>')})
            continue
        study_lib.enqueue(study, sweep, slot)
        trial = study.ask()
        study.sampler = study_lib.sampler(sweep, slot)
        overrides.append(suggest(trial, sweep))
        study.tell(trial, state=TrialState.PRUNED)
    return overrides


def rows(sweep: Sweep, latest: dict[int, FrozenTrial], metric: str) -> list[dict[str, object]]:
    """One row per trial slot; values from the study where the trial has started."""
    keys = [*sweep.grid, *sweep.search]
    table = []
    for slot, plan in enumerate(planned(sweep)):
        trial = latest.get(slot)
        params = {k: text(trial.params[k]) for k in keys if k in trial.params} if trial else {}
        attrs = trial.user_attrs if trial else {}
        table.append(
            {
                'trial': slot,
                **{key: params.get(key, plan[key]) for key in keys},
                'status': STATUS[trial.state] if trial else 'pending',
                f'best {metric}': attrs.get('best', ''),
                'best step': attrs.get('best_step', ''),
                f'final {metric}': attrs.get('final', ''),
                'steps': attrs.get('steps', ''),
                'wall s': attrs.get('wall_s', ''),
                'error': attrs.get('error', '') if trial and trial.state == TrialState.FAIL else '',
            }
        )
    return table


def write(directory: str, table: list[dict[str, object]]) -> None:
    """results.csv and results.md, each replaced atomically."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(table[0]))
    writer.writeheader()
    writer.writerows(table)
    _replace(os.path.join(directory, 'results.csv'), buffer.getvalue())
    _replace(os.path.join(directory, 'results.md'), markdown(table))


def markdown(table: list[dict[str, object]]) -> str:
    header = list(table[0])
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for row in table:
        cells = [_cell(row[key]) for key in header]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f'{value:.5g}'
    return str(value).replace('|', '\\|')


def _replace(path: str, content: str) -> None:
    temporary = f'{path}.{os.getpid()}.tmp'
    with open(temporary, 'w') as f:
        f.write(content)
    os.replace(temporary, path)


def listing(table: list[dict[str, object]], sweep: Sweep) -> str:
    """--sweep_dry_run: `trial  status  --config.k=v ...` per trial."""
    keys = [*sweep.grid, *sweep.search]
    lines = []
    for row in table:
        flags = ' '.join(f'--config.{key}={row[key]}' for key in keys)
        error = f'  ({row["error"]})' if row['error'] else ''
        lines.append(f'{row["trial"]:>5}  {row["status"]:<8}  {flags}{error}')
    return '\n'.join(lines)
