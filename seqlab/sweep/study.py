"""The Optuna study that coordinates a sweep's trials across threads, processes and machines.

Trial n of the sweep (its *slot*) is an Optuna trial queued with `enqueue_trial` and the user
attribute `slot=n`, so every worker agrees on what trial n is. A slot's state is that of its latest
Optuna trial: WAITING (queued), RUNNING, COMPLETE or FAIL. Workers record heartbeats while a trial
runs; a trial whose worker died (no heartbeat for `grace` seconds) is failed by
`fail_stale_trials` and queued again by `RetryHeartbeatStaleTrialCallback` with the same slot and
parameters, so it resumes from its checkpoints. PRUNED trials are duplicates that lost a race
between workers and are ignored.
"""

import os
import time
import warnings
from typing import Any

import numpy as np
import optuna
import sqlalchemy
from optuna.trial import FrozenTrial, TrialState

from seqlab.config import ConfigError
from seqlab.sweep.definition import Sweep

STUDY_ATTR = 'seqlab_sweep'  # the study's user attribute holding the sweep's identity
TPE_STARTUP = 10  # TPE draws at random until this many trials have finished
CREATE_ATTEMPTS = 3


def storage_url(url: str | None, directory: str) -> str:
    """--sweep_storage, or SQLite in the sweep directory."""
    return url or f'sqlite:///{os.path.abspath(os.path.join(directory, "sweep.db"))}'


def open_storage(url: str, heartbeat: int) -> optuna.storages.RDBStorage:
    """RDB storage with heartbeats every `heartbeat` s; stale after 3 missed beats, then retried."""
    sqlite = url.startswith('sqlite')
    try:
        storage = _create(url, heartbeat, {'connect_args': {'timeout': 60}} if sqlite else {})
    except Exception as error:  # SQLAlchemy and driver errors have no common base
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ConfigError(
            f'--sweep_storage={shown(url)!r} cannot be opened ({first.replace(url, shown(url))}); '
            'allowed: sqlite:///<file> or postgresql://user:password@host/database (with a '
            'PostgreSQL driver installed)'
        ) from None
    if sqlite:
        _serialize_transactions(storage.engine)
    return storage


def shown(url: str) -> str:
    """`url` fit for a log or an error line: its password replaced by '***'."""
    try:
        return sqlalchemy.engine.make_url(url).render_as_string(hide_password=True)
    except (sqlalchemy.exc.ArgumentError, ValueError):  # not a URL SQLAlchemy parses: the scheme
        return url.split('://', 1)[0] + '://...'


def _create(url: str, heartbeat: int, engine_kwargs: dict) -> optuna.storages.RDBStorage:
    """Workers that start together race to create the tables; the losers try again. PostgreSQL
    reports a lost race as a duplicate key (IntegrityError) or as a table that already exists
    (ProgrammingError, DuplicateTable)."""
    attempt = 1
    while True:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter('ignore', optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(
                    url,
                    engine_kwargs=engine_kwargs,
                    heartbeat_interval=heartbeat,
                    grace_period=3 * heartbeat,
                    heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(),
                )
        except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError):
            if attempt == CREATE_ATTEMPTS:
                raise
            time.sleep(attempt)
            attempt += 1


def _serialize_transactions(engine: sqlalchemy.engine.Engine) -> None:
    """Make every SQLite transaction take the write lock when it begins (BEGIN IMMEDIATE).

    Python's sqlite3 driver starts a transaction only at the first write, so two workers can both
    read a queued trial as WAITING and both claim it; PostgreSQL's row locks prevent that.
    """

    @sqlalchemy.event.listens_for(engine, 'connect')
    def manual_transactions(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None  # the driver leaves BEGIN to us

    @sqlalchemy.event.listens_for(engine, 'begin')
    def begin_immediate(connection):
        connection.exec_driver_sql('BEGIN IMMEDIATE')

    engine.dispose()  # connections opened so far lack the 'connect' setting


def open_study(
    storage: optuna.storages.BaseStorage, name: str, identity: dict[str, Any], direction: str
) -> optuna.Study:
    """Create or load study `name`; a study made for a different sweep is a ConfigError."""
    study = optuna.create_study(
        study_name=name, storage=storage, direction=direction, load_if_exists=True
    )
    stored = study.user_attrs.get(STUDY_ATTR)
    if stored is None:
        study.set_user_attr(STUDY_ATTR, identity)
    elif stored != identity:
        changed = sorted(k for k in set(stored) | set(identity) if stored.get(k) != identity.get(k))
        raise ConfigError(
            f'sweep study {name!r} was made for another sweep ({", ".join(changed)} differ: '
            f'{ {k: stored.get(k) for k in changed} }); use another --workdir'
        )
    return study


def slot_of(trial: FrozenTrial) -> int | None:
    return trial.user_attrs.get('slot')


def slots(study: optuna.Study) -> dict[int, FrozenTrial]:
    """slot -> its latest Optuna trial (duplicates that were pruned are left out)."""
    latest: dict[int, FrozenTrial] = {}
    for trial in study.get_trials(deepcopy=False):
        slot = slot_of(trial)
        if slot is None or trial.state == TrialState.PRUNED:
            continue
        if slot not in latest or trial.number > latest[slot].number:
            latest[slot] = trial
    return latest


def duplicate_of(study: optuna.Study, number: int, slot: int) -> int | None:
    """An Optuna trial of the same slot that finished, or runs and started first; else None."""
    for trial in study.get_trials(deepcopy=False):
        if slot_of(trial) != slot or trial.number == number:
            continue
        if trial.state == TrialState.COMPLETE or (
            trial.state == TrialState.RUNNING and trial.number < number
        ):
            return trial.number
    return None


def enqueue(study: optuna.Study, sweep: Sweep, slot: int) -> None:
    """Queue trial `slot`: its grid values fixed, its searched values left to the sampler."""
    study.enqueue_trial(sweep.fixed(slot), user_attrs={'slot': slot})


def retry(study: optuna.Study, trial: FrozenTrial) -> None:
    """Queue a failed trial again with the same slot and parameters (it resumes in its workdir)."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', optuna.exceptions.ExperimentalWarning)
        optuna.storages.RetryHeartbeatStaleTrialCallback()(study, trial)


def fail_stale(study: optuna.Study) -> None:
    """Fail trials whose worker stopped beating; the storage's callback queues them again."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)


def sampler(sweep: Sweep, slot: int) -> optuna.samplers.BaseSampler:
    """The sampler for trial `slot`, seeded by (seed, slot): the same draws in every worker."""
    seed = int(np.random.SeedSequence([sweep.seed, slot]).generate_state(1)[0])
    if sweep.sampler == 'tpe':
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=TPE_STARTUP)
    return optuna.samplers.RandomSampler(seed=seed)
