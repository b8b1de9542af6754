"""`launch.py --sweep`: check the sweep, open its study, run workers, write the results table.

The objective (config.checkpoint.best_metric) is checked against the metrics the evaluation logs
before any trial starts (not by a dry run, which reads no data). Rerunning the same command
resumes: finished trials are skipped, interrupted ones resume from their checkpoints, failed ones
are reported and rerun only with `--sweep_retry_failed`. Returns the process exit code: 0 when
every trial is complete, 1 when some failed, 143 when stopped.
"""

import logging
import os
import signal
import threading
from collections.abc import Callable

import ml_collections
import optuna
from optuna.trial import TrialState

from seqlab.config import ConfigError, one_of
from seqlab.sweep import definition, results, worker
from seqlab.sweep import study as study_lib
from seqlab.sweep import trial as trial_lib
from seqlab.sweep.options import Options
from seqlab.train import loop, preflight

log = logging.getLogger('seqlab')
STOPPED_EXIT_CODE = 143


def run(
    spec: str,
    overrides: dict[str, str],
    config: ml_collections.ConfigDict,
    get_sweep: Callable[[str | None], dict] | None,
    directory: str,
    options: Options,
    processes: trial_lib.Processes | None = None,
) -> int:
    """Run (or list, with dry_run) the sweep of config `spec` in `directory`; see the module doc."""
    if options.parallel < 1 or options.heartbeat < 1:
        raise ConfigError(
            f'--sweep_parallel={options.parallel} and --sweep_heartbeat={options.heartbeat} '
            'must be >= 1'
        )
    one_of('config.checkpoint.best_mode', config.checkpoint.best_mode, ('max', 'min'))
    sweep = definition.load(get_sweep, spec.partition(':')[2] or None, config)
    if not options.dry_run:
        if os.path.exists(directory) and not os.path.isdir(directory):
            raise ConfigError(
                f'--workdir={directory!r} is a file; allowed: a directory for the sweep'
            )
        check_objective(config, directory)
    metric = config.checkpoint.best_metric
    url = study_lib.storage_url(options.storage, directory)
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # our log lines say what happened
    log.info(
        'sweep of %s in %s: %s, objective %s %s',
        spec,
        directory,
        sweep.describe(),
        config.checkpoint.best_mode,
        metric,
    )
    if options.dry_run:
        study = _existing_study(url, directory, options.heartbeat)
        latest = study_lib.slots(study) if study else {}
        print(results.listing(results.rows(sweep, latest, metric), sweep))
        return 0
    os.makedirs(directory, exist_ok=True)
    storage = study_lib.open_storage(url, options.heartbeat)
    identity = {
        'config': spec,
        'overrides': overrides,
        'objective': [metric, config.checkpoint.best_mode],
        **sweep.fingerprint(),
    }
    direction = 'maximize' if config.checkpoint.best_mode == 'max' else 'minimize'
    study = study_lib.open_study(storage, _name(directory), identity, direction)
    _report_failed(study, options.retry_failed)
    lock = threading.Lock()

    def write_results(any_study: optuna.Study) -> None:
        with lock:
            results.write(directory, results.rows(sweep, study_lib.slots(any_study), metric))

    context = worker.Context(
        spec=spec,
        directory=directory,
        sweep=sweep,
        overrides=overrides,
        metric=metric,
        mode=config.checkpoint.best_mode,
        heartbeat=options.heartbeat,
        processes=processes or trial_lib.Processes(sharing=options.parallel),
        stop=threading.Event(),
        on_change=write_results,
    )
    with _StopOnSignal(context):
        _run_workers(context, storage, study.study_name, options.parallel)
    write_results(study)
    latest = study_lib.slots(study)
    failed = sorted(s for s, t in latest.items() if t.state == TrialState.FAIL)
    done = sum(t.state == TrialState.COMPLETE for t in latest.values())
    log.info(
        'sweep: %d/%d trials complete; results in %s',
        done,
        sweep.size,
        os.path.join(directory, 'results.md'),
    )
    if context.stop.is_set():
        return STOPPED_EXIT_CODE
    if failed:
        log.warning('trials %s failed; rerun with --sweep_retry_failed to retry them', failed)
        return 1
    return 0


def check_objective(config: ml_collections.ConfigDict, directory: str) -> None:
    """The objective, config.checkpoint.best_metric, must be a metric the trials' evaluation logs;
    checked once on the sweep's config before any trial starts (the names come from the eval
    step's output structure: the data is read and the step traced, nothing is compiled). It is
    never computed on the test split: config.data.eval_split must not be config.data.test_split."""
    test_split = config.data.get('test_split', '')
    if test_split and config.data.eval_split == test_split:
        raise ConfigError(
            f'--sweep would choose on the test split: config.data.eval_split={test_split!r} is '
            "config.data.test_split; allowed: a validation split ('validation', the default)"
        )
    names = loop.Run(config, directory, mode='eval').eval_metric_names()
    if not config.checkpoint.best_metric:
        raise ConfigError(
            "--sweep needs an objective: config.checkpoint.best_metric is ''; allowed: "
            f'{", ".join(names)}'
        )
    preflight.check_best_metric(config.checkpoint, names)


def _name(directory: str) -> str:
    """The study name: the sweep directory's name (several sweeps may share a PostgreSQL server)."""
    return os.path.basename(os.path.normpath(os.path.abspath(directory)))


def _existing_study(url: str, directory: str, heartbeat: int) -> optuna.Study | None:
    """The sweep's study if it exists, without creating anything."""
    if url.startswith('sqlite:///') and not os.path.exists(url[len('sqlite:///') :]):
        return None
    try:
        return optuna.load_study(
            study_name=_name(directory), storage=study_lib.open_storage(url, heartbeat)
        )
    except KeyError:
        return None


def _report_failed(study: optuna.Study, retry: bool) -> None:
    for slot, trial in sorted(study_lib.slots(study).items()):
        if trial.state != TrialState.FAIL:
            continue
        if retry:
            study_lib.retry(study, trial)
            log.info('trial %d failed before (%s); retrying', slot, trial.user_attrs.get('error'))
        else:
            log.warning(
                'trial %d failed: %s (--sweep_retry_failed retries it)',
                slot,
                trial.user_attrs.get('error'),
            )


def _run_workers(
    context: worker.Context, storage: optuna.storages.BaseStorage, name: str, parallel: int
) -> None:
    """`parallel` worker threads, each with its own Study object (it swaps samplers per trial)."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            worker.work(context, optuna.load_study(study_name=name, storage=storage))
        except BaseException as error:  # re-raised in the main thread below
            errors.append(error)
            context.stop.set()
            context.processes.terminate()

    threads = [threading.Thread(target=target, name=f'sweep-{i}') for i in range(parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.5)  # the main thread stays free to handle SIGTERM / SIGINT
    if errors:
        raise errors[0]


class _StopOnSignal:
    """SIGTERM / SIGINT: stop starting trials, SIGTERM the running ones (they save and exit)."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self, context: worker.Context):
        self.context = context
        self.previous: dict[int, object] = {}

    def _handle(self, signum, frame) -> None:
        log.warning(
            '%s: stopping the sweep after saving the running trials', signal.Signals(signum).name
        )
        self.context.stop.set()
        self.context.processes.terminate()

    def __enter__(self) -> '_StopOnSignal':
        if threading.current_thread() is threading.main_thread():
            self.previous = {s: signal.signal(s, self._handle) for s in self.SIGNALS}
        return self

    def __exit__(self, *exc) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
