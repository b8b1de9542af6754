"""experiments/trained_runs.py's run records: a finished run's row is recorded, a table made
after its workdir is gone reads the same row back, an unfinished run never replaces a record,
and a run with neither is refused in one line naming it."""

import argparse
import json
import os
import sys

import pytest

from tests.conftest import REPO

sys.path.insert(0, os.path.join(REPO, 'experiments'))
import trained_runs  # noqa: E402

ROW = {'model': 'gpt', 'seed': 1, 'test': 1.5373, 'timing': {'seconds': 1500.0}, 'tags': ['a']}


@pytest.fixture
def runs(tmp_path, monkeypatch):
    """<tmp>/runs with a finished run 'done' and an unfinished run 'half' (by a marker file)."""
    root = tmp_path / 'runs'
    for name in ('done', 'half'):
        (root / name / 'checkpoints').mkdir(parents=True)
    (root / 'done' / 'finished').touch()
    monkeypatch.setattr(
        trained_runs, 'finished', lambda config, workdir: os.path.exists(f'{workdir}/finished')
    )
    return root


def table(root, names, row, directory):
    args = argparse.Namespace(root=str(root), names=names)
    return trained_runs.rows(args, row, lambda name: None, directory)


def test_a_finished_run_is_recorded_and_read_back_once_its_workdir_is_gone(runs, tmp_path):
    records = str(tmp_path / 'records')
    computed = []

    def row(name, root):
        computed.append(name)
        return {**ROW, 'name': name}

    assert table(runs, ['done'], row, records) == [{**ROW, 'name': 'done'}]
    with open(f'{records}/done.json') as handle:
        assert json.load(handle) == {**ROW, 'name': 'done'}
    os.rename(runs / 'done', tmp_path / 'moved')
    assert table(runs, ['done'], row, records) == [{**ROW, 'name': 'done'}]
    assert computed == ['done']  # the second table computed nothing: it read the record


def test_an_unfinished_run_keeps_the_record_and_is_not_evaluated(runs, tmp_path):
    records = tmp_path / 'records'
    records.mkdir()
    (records / 'half.json').write_text(json.dumps(ROW))

    def row(name, root):
        raise AssertionError(f'{name} is unfinished: its row must not be computed')

    assert table(runs, ['half'], row, str(records)) == [ROW]
    assert json.loads((records / 'half.json').read_text()) == ROW


@pytest.mark.parametrize('name, state', [('half', 'is not finished'), ('gone', 'has no workdir')])
def test_a_run_with_no_record_and_no_finished_workdir_is_one_line_naming_it(
    runs, tmp_path, name, state
):
    with pytest.raises(SystemExit) as refused:
        table(runs, [name], lambda n, r: ROW, str(tmp_path / 'records'))
    message = str(refused.value)
    assert message.startswith(f'error: run {name} {state} (')
    assert message.endswith(f'train it with --train --runs {name}')
    assert '\n' not in message


def test_a_row_that_json_would_change_is_refused_before_it_is_recorded(runs, tmp_path):
    records = tmp_path / 'records'
    with pytest.raises(ValueError, match='done: its row does not survive JSON'):
        table(runs, ['done'], lambda n, r: {**ROW, 'scores': {1: 0.5}}, str(records))
    assert not records.exists()


def test_train_time_names_the_cpu_when_it_was_recorded():
    timing = {'seconds': 1458.0, 'load_before': 1.2, 'load_after': 2.0, 'from_step': 0}
    assert trained_runs.train_time(timing) == '24.3 min (load 1-2)'
    timing['machine'] = 'AMD EPYC, 2 cores'
    assert trained_runs.train_time(timing) == '24.3 min (load 1-2; AMD EPYC, 2 cores)'


def test_a_table_leaves_out_the_runs_it_cannot_find_and_refuses_when_none_is_there(
    runs, tmp_path, caplog
):
    records = str(tmp_path / 'records')
    rows = table(runs, ['gone', 'done', 'half'], lambda name, root: {**ROW, 'name': name}, records)
    assert rows == [{**ROW, 'name': 'done'}]
    left_out = [r.getMessage() for r in caplog.records if 'left out of the table' in r.getMessage()]
    assert len(left_out) == 2 and 'run gone has no workdir' in left_out[0]
    with pytest.raises(SystemExit, match='error: run gone has no workdir'):
        table(runs, ['gone', 'half'], lambda name, root: ROW, records)
