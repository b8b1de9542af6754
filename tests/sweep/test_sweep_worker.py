"""The sweep runner's bookkeeping with fake trial processes: every trial runs once, reruns skip
finished trials, failures are reported and retried on request, interrupted and stale trials resume
in their own workdir, parallel workers never run a trial twice."""

import csv
import os
import threading
import time

import optuna
import pytest
import sqlalchemy

from seqlab import launcher
from seqlab.config import ConfigError
from seqlab.sweep import runner, study
from tests.conftest import REPO
from tests.sweep.fakes import INTERRUPT, FakeProcesses

SPEC = os.path.join(REPO, 'configs/vit.py:smoke')


def grid(arg):
    return dict(grid={'optim.lr': [0.1, 0.2], 'seed': [0, 1]})


def accuracy(overrides: dict) -> float:
    return float(overrides['optim.lr']) + int(overrides['seed']) / 10


def sweep(directory, processes, get_sweep=grid, **options) -> int:
    config = launcher.load_config(SPEC, {})
    options = runner.Options(heartbeat=1, **options)
    return runner.run(SPEC, {'steps': '4'}, config, get_sweep, str(directory), options, processes)


def table(directory) -> list[dict]:
    with open(os.path.join(directory, 'results.csv')) as f:
        return list(csv.DictReader(f))


def test_grid_runs_every_trial_once_and_rerun_skips_finished(tmp_path):
    processes = FakeProcesses(lambda workdir, overrides: (0, accuracy(overrides)))
    assert sweep(tmp_path, processes) == 0
    ran = sorted((os.path.basename(w), o['optim.lr'], o['seed']) for w, o in processes.calls)
    assert ran == [('0', '0.1', '0'), ('1', '0.1', '1'), ('2', '0.2', '0'), ('3', '0.2', '1')]
    assert all(o['steps'] == '4' for _, o in processes.calls)  # the command line's overrides
    rows = table(tmp_path)
    assert [r['status'] for r in rows] == ['complete'] * 4
    assert float(rows[3]['best eval/accuracy']) == pytest.approx(0.3)  # the best, not the last
    assert float(rows[3]['final eval/accuracy']) == pytest.approx(0.2)
    assert rows[3]['best step'] == '4' and rows[3]['steps'] == '6'
    assert os.path.exists(tmp_path / 'results.md')

    again = FakeProcesses(lambda workdir, overrides: (0, 0.0))
    assert sweep(tmp_path, again) == 0
    assert again.calls == []


def test_failed_trial_is_reported_others_finish_and_retry_reruns_it(tmp_path, caplog):
    broken = {'1'}
    processes = FakeProcesses(
        lambda workdir, overrides: (2 if os.path.basename(workdir) in broken else 0, 0.5)
    )
    assert sweep(tmp_path, processes) == 1
    rows = table(tmp_path)
    assert [r['status'] for r in rows] == ['complete', 'failed', 'complete', 'complete']
    assert rows[1]['error'].startswith('exit code 2: error: trial broke with')

    broken.clear()
    assert sweep(tmp_path, processes) == 1  # failed trials stay failed without the flag
    assert len(processes.calls) == 4
    assert 'trial 1 failed: exit code 2' in caplog.text

    assert sweep(tmp_path, processes, retry_failed=True) == 0
    assert [os.path.basename(w) for w, _ in processes.calls[4:]] == ['1']
    assert [r['status'] for r in table(tmp_path)] == ['complete'] * 4


def test_interrupted_trial_is_queued_and_resumes_in_its_workdir(tmp_path):
    calls = []

    def outcome(workdir, overrides):
        calls.append(workdir)
        return INTERRUPT if len(calls) == 2 else (0, 0.5)

    assert sweep(tmp_path, FakeProcesses(outcome)) == runner.STOPPED_EXIT_CODE
    assert [r['status'] for r in table(tmp_path)] == ['complete', 'queued', 'pending', 'pending']

    assert sweep(tmp_path, FakeProcesses(outcome)) == 0
    assert [os.path.basename(w) for w in calls] == ['0', '1', '1', '2', '3']


def one(arg):
    return dict(grid={'seed': [0]})


def test_trial_of_a_dead_worker_is_retried_after_its_heartbeat_stops(tmp_path):
    """A worker that dies mid-trial leaves it RUNNING; the next run waits until its heartbeat is
    stale (3 beats), then runs it again in the same workdir."""

    def die(workdir, overrides):
        raise SystemExit('worker killed')  # leaves without telling Optuna: the trial stays RUNNING

    with pytest.raises(SystemExit):
        sweep(tmp_path, FakeProcesses(die), get_sweep=one)
    processes = FakeProcesses(lambda workdir, overrides: (0, 0.7))
    start = time.perf_counter()
    assert sweep(tmp_path, processes, get_sweep=one) == 0
    assert time.perf_counter() - start >= 2
    assert [os.path.basename(w) for w, _ in processes.calls] == ['0']
    assert float(table(tmp_path)[0]['best eval/accuracy']) == pytest.approx(0.7)


def test_parallel_workers_run_each_trial_once(tmp_path):
    together = threading.Barrier(2, timeout=120)  # the first two trials run at the same time
    started = []
    lock = threading.Lock()

    def outcome(workdir, overrides):
        with lock:
            started.append(workdir)
            first_two = len(started) <= 2
        if first_two:
            together.wait()
        return 0, 0.5

    processes = FakeProcesses(outcome)
    assert sweep(tmp_path, processes, parallel=2) == 0
    workdirs = [w for w, _ in processes.calls]
    assert sorted(workdirs) == sorted(set(workdirs)) and len(workdirs) == 4


def test_random_search_runs_the_values_the_dry_run_lists(tmp_path, capsys):
    def search(arg):
        return dict(
            search={
                'optim.lr': ('log_uniform', 1e-4, 1e-2),
                'model.kwargs.pool': ('choice', ['cls', 'mean']),
            },
            trials=3,
            seed=7,
        )

    processes = FakeProcesses(lambda workdir, overrides: (0, 0.5))
    assert sweep(tmp_path / 'dry', processes, get_sweep=search, dry_run=True) == 0
    listed = capsys.readouterr().out.strip().splitlines()
    assert not os.path.exists(tmp_path / 'dry')  # a dry run creates nothing
    assert sweep(tmp_path / 'run', processes, get_sweep=search) == 0
    ran = {os.path.basename(w): o for w, o in processes.calls}
    for line in listed:
        slot, status, *flags = line.split()
        assert status == 'pending'
        expected = dict(f[len('--config.') :].split('=', 1) for f in flags)
        assert {k: ran[slot][k] for k in expected} == expected
    assert len({ran[s]['optim.lr'] for s in ran}) == 3


def test_a_directory_holds_one_sweep(tmp_path):
    processes = FakeProcesses(lambda workdir, overrides: (0, 0.5))
    assert sweep(tmp_path, processes, get_sweep=one) == 0
    with pytest.raises(ConfigError, match=r'study .* was made for another sweep \(grid differ'):
        sweep(tmp_path, processes, get_sweep=lambda arg: dict(grid={'seed': [1]}))


@pytest.mark.parametrize(
    'url', ['postgresql://alice:s3cret@127.0.0.1:1/sweeps', 'postgresql://alice:s3cret@:x:/']
)
def test_a_storage_that_cannot_be_opened_is_named_without_its_password(tmp_path, url):
    with pytest.raises(ConfigError, match=r"^--sweep_storage='postgresql://") as error:
        sweep(tmp_path, FakeProcesses(lambda workdir, overrides: (0, 0.5)), storage=url)
    assert 's3cret' not in str(error.value) and '\n' not in str(error.value)


@pytest.mark.parametrize(
    'lost_race',
    [
        sqlalchemy.exc.IntegrityError('INSERT', {}, Exception('duplicate key value')),
        sqlalchemy.exc.ProgrammingError('CREATE TABLE', {}, Exception('"studies" already exists')),
    ],
)
def test_a_worker_that_loses_the_race_to_create_the_tables_opens_them(
    lost_race, tmp_path, monkeypatch
):
    """PostgreSQL reports the loser of two workers creating the tables at once in either way."""
    create = optuna.storages.RDBStorage
    calls = []

    def racing(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 1:
            raise lost_race
        return create(*args, **kwargs)

    monkeypatch.setattr(optuna.storages, 'RDBStorage', racing)
    monkeypatch.setattr(study.time, 'sleep', lambda seconds: None)
    url = f'sqlite:///{tmp_path / "sweep.db"}'
    assert isinstance(study.open_storage(url, heartbeat=60), create)
    assert calls == [url, url]
