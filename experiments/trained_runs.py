"""What every `*_vs_peer.py` experiment does with its training runs: train (or resume) a run once,
record its wall time and machine load, pick the best kept checkpoint by the validation metric and
restore it to evaluate on the test split.

Each run lives in its own workdir; `train_seconds.json` there holds the timing of the process that
trained it (the step it resumed from, and the CPU it ran on), so tables can say how long a run took
and how busy the machine was meanwhile.

A run's table row is also recorded in `results/run_records/<experiment>/<run>.json` each time it is
computed from the workdir. A table is made from the workdirs that are present and, for the runs
whose workdir is not, from their records: seeds trained in different sessions (or on other
machines, named in each row's train-time cell) join one table without training again.
"""

import argparse
import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from typing import Any

import ml_collections
from report import publish  # noqa: F401  (experiments call trained_runs.publish)

from seqlab.train import loop, metrics_log, preflight

TIME_FILE = 'train_seconds.json'
RECORDS = 'results/run_records'


def finished(config: ml_collections.ConfigDict, workdir: str) -> bool:
    """Whether the run's final checkpoint exists."""
    total = preflight.prepare(config, workdir).total_steps
    return os.path.isdir(os.path.join(workdir, 'checkpoints', str(total)))


def latest_step(workdir: str) -> int:
    """The newest checkpoint's step, 0 without one."""
    directory = os.path.join(workdir, 'checkpoints')
    if not os.path.isdir(directory):
        return 0
    return max((int(d) for d in os.listdir(directory) if d.isdigit()), default=0)


def same_config(config: ml_collections.ConfigDict, workdir: str) -> bool:
    """Whether `workdir` was trained with exactly `config` (its config.json, every key)."""
    path = os.path.join(workdir, 'config.json')
    if not os.path.exists(path):
        return False
    with open(path) as handle:
        return json.load(handle) == json.loads(config.to_json(sort_keys=True))


def reuse_finished(config: ml_collections.ConfigDict, workdir: str, candidates: list[str]) -> None:
    """Copies the first finished run of `candidates` trained with exactly `config` to a missing
    `workdir` (the same config and seed train the same run bit for bit), with its timing."""
    if os.path.exists(workdir):
        return
    for source in candidates:
        if same_config(config, source) and finished(config, source):
            logging.info('%s: the same config and seed as the finished %s; copied', workdir, source)
            shutil.copytree(source, workdir, ignore=shutil.ignore_patterns('train.lock'))
            return


def train(config: ml_collections.ConfigDict, workdir: str) -> None:
    """Trains (or resumes) an unfinished run and records this process's wall time, the machine
    load and the step it started from (0: a whole run)."""
    if finished(config, workdir):
        return
    start, load_before, from_step = time.perf_counter(), os.getloadavg()[0], latest_step(workdir)
    loop.train_and_evaluate(config, workdir)
    record = {'seconds': time.perf_counter() - start, 'load_before': load_before}
    record['from_step'] = from_step
    record['load_after'] = os.getloadavg()[0]
    record['machine'] = cpu_model()
    with open(os.path.join(workdir, TIME_FILE), 'w') as handle:
        json.dump(record, handle)


def train_missing(
    args: argparse.Namespace, config: Callable[[str], ml_collections.ConfigDict]
) -> None:
    """With --train: trains (or resumes) each run of `args.names` in <root>/<name> from config(name)."""
    if args.train:
        for name in args.names:
            train(config(name), workdir(args.root, name))


def rows(
    args: argparse.Namespace,
    row: Callable[[str, str], dict],
    config: Callable[[str], ml_collections.ConfigDict],
    experiment: str,
) -> list[dict]:
    """The row of each run of `args.names` (see recorded_row), in that order; records are kept in
    results/run_records/<experiment> (`experiment` may also be a directory path). A run neither
    finished here nor recorded is left out with a warning (the tables count the seeds they rest
    on); with none of the runs there, the one-line error of the first."""
    directory = os.path.join(RECORDS, experiment)
    found, missing = [], []
    for name in args.names:
        try:
            found.append(recorded_row(name, args.root, row, config, directory))
        except SystemExit as refused:
            missing.append(refused)
    if not found and missing:
        raise missing[0]
    for refused in missing:
        logging.warning('left out of the table: %s', str(refused).removeprefix('error: '))
    return found


def recorded_row(
    name: str,
    root: str,
    row: Callable[[str, str], dict],
    config: Callable[[str], ml_collections.ConfigDict],
    directory: str,
) -> dict:
    """row(name, root) when the run in <root>/<name> is finished, recorded to
    <directory>/<name>.json; otherwise the row recorded there before (an unfinished run never
    replaces a record)."""
    record = os.path.join(directory, f'{name}.json')
    run_dir = workdir(root, name)
    if os.path.isdir(run_dir) and finished(config(name), run_dir):
        result = row(name, root)
        text = json.dumps(result, indent=1, sort_keys=True)
        if json.loads(text) != result:
            raise ValueError(f'{name}: its row does not survive JSON (int keys or tuples?)')
        os.makedirs(directory, exist_ok=True)
        with open(record, 'w') as handle:
            handle.write(text + '\n')
        return result
    state = 'is not finished' if os.path.isdir(run_dir) else 'has no workdir'
    if not os.path.exists(record):
        raise SystemExit(
            f'error: run {name} {state} ({run_dir}) and has no record ({record}); '
            f'train it with --train --runs {name}'
        )
    logging.warning('%s %s (%s): its row is the one recorded in %s', name, state, run_dir, record)
    with open(record) as handle:
        return json.load(handle)


def best_step(config: ml_collections.ConfigDict, workdir: str) -> tuple[int, float]:
    """(step, validation value) of the best kept checkpoint by config.checkpoint.best_metric."""
    kept = {int(d) for d in os.listdir(os.path.join(workdir, 'checkpoints')) if d.isdigit()}
    metric, sign = config.checkpoint.best_metric, 1 if config.checkpoint.best_mode == 'max' else -1
    evals = [r for r in metrics_log.read(workdir) if metric in r and r['step'] in kept]
    best = max(evals, key=lambda r: sign * r[metric])
    return best['step'], best[metric]


def restore_best(
    config: ml_collections.ConfigDict, workdir: str, split: str = 'test'
) -> tuple[loop.Run, Any, int, float]:
    """The best kept checkpoint by validation, restored to evaluate on `split`:
    (run whose eval split is `split`, params, step, validation value)."""
    step, validation = best_step(config, workdir)
    config = config.copy_and_resolve_references()
    config.data.eval_split = split
    run = loop.Run(config, workdir, mode='eval')
    params, _ = run.restore_params(step)
    return run, params, step, validation


def timing(workdir: str) -> dict:
    """The recorded {'seconds', 'load_before', 'load_after'}, or {} for a run trained elsewhere."""
    path = os.path.join(workdir, TIME_FILE)
    if not os.path.exists(path):
        return {}
    with open(path) as handle:
        return json.load(handle)


def train_time(record: dict) -> str:
    """'12.3 min (load 2-3; AMD EPYC, 2 cores)' for a table cell; a resumed run's says from which
    step (runs timed before the CPU was recorded leave it out)."""
    if not record:
        return 'not timed here'
    resumed = f', resumed at step {record["from_step"]}' if record.get('from_step') else ''
    machine = f'; {record["machine"]}' if record.get('machine') else ''
    return (
        f'{record["seconds"] / 60:.1f} min (load {record["load_before"]:.0f}-'
        f'{record["load_after"]:.0f}{resumed}{machine})'
    )


def parse_args(doc: str, runs: dict, root: str, out: str) -> argparse.Namespace:
    """The flags every experiment takes (--runs, --root, --train, --out) and seqlab's log lines."""
    parser = argparse.ArgumentParser(description=doc.split('\n')[0])
    parser.add_argument('--runs', default=','.join(runs), help=f'from {", ".join(runs)}')
    parser.add_argument('--root', default=root, help='workdirs are <root>/<run>')
    parser.add_argument('--train', action='store_true', help='train missing or unfinished runs')
    parser.add_argument('--out', default=out)
    args = parser.parse_args()
    args.names = args.runs.split(',')
    unknown = [name for name in args.names if name not in runs]
    if unknown:
        parser.error(f'--runs: {", ".join(unknown)} unknown; allowed: {", ".join(runs)}')
    logging.basicConfig(level=logging.WARNING, format='%(asctime)s %(levelname)s %(message)s')
    logging.getLogger('seqlab').setLevel(logging.INFO)
    return args


def transcribed(row: dict) -> str:
    """'; transcribed from …' for a row whose record was copied from an earlier table (its workdir
    is gone), else '': appended to the row's train-time cell."""
    return f'; {row["source"]}' if 'source' in row else ''


def cpu_model() -> str:
    """'AMD EPYC, 2 cores': the CPU's model name (from /proc/cpuinfo) and this process's cores."""
    name = 'unknown CPU'
    if os.path.exists('/proc/cpuinfo'):
        with open('/proc/cpuinfo') as handle:
            names = [
                line.split(':', 1)[1].strip() for line in handle if line.startswith('model name')
            ]
        name = names[0] if names else name
    return f'{name}, {len(os.sched_getaffinity(0))} cores'


def workdir(root: str, name: str) -> str:
    """<root>/<name> as an absolute path (orbax wants absolute paths)."""
    return os.path.abspath(os.path.join(root, name))
