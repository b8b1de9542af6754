"""Bad input through launch.py: one line on stderr, exit code 2, workdir untouched."""

import os

import pytest

from tests.conftest import launch

CASES = [
    (['--config.optim.lrr=3e-4'], 'config.optim.lrr does not exist; allowed here: '),
    (['--config.optim.lr=fast'], "config.optim.lr='fast' is not a valid float"),
    (['--config.steps.every=3'], 'config.steps.every does not exist'),
    (['--config.model.name=vitt'], "config.model.name='vitt' is not a model; allowed: "),
    (['--config.task.name=regress'], "config.task.name='regress' is not a task; allowed: "),
    (['--config.data.name=fashon_mnist'], "'fashon_mnist'"),
    (
        ['--config.model.kwargs.patch=3'],
        'config.model.kwargs.patch=3 does not divide the 8x8 image',
    ),
    (['--config.model.kwargs.pool=max'], "config.model.kwargs.pool='max' is not allowed"),
    (['--config.optim.name=lion'], "config.optim.name='lion' is not allowed; allowed: sgd, adam"),
    (['--config.eval_every=often'], "config.eval_every='often' is not a cadence"),
]


@pytest.mark.parametrize('overrides, message', CASES)
def test_bad_config_is_one_line_exit_2(tmp_path, overrides, message):
    workdir = tmp_path / 'run'
    result = launch('--config=configs/vit.py:smoke', f'--workdir={workdir}', *overrides)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith('error: ') and message in lines[-1], result.stderr
    assert not any('Traceback' in line for line in lines)
    assert not workdir.exists()


def test_bad_config_argument(tmp_path):
    result = launch('--config=configs/vit.py:variant=Huge', f'--workdir={tmp_path / "w"}')
    assert result.returncode == 2
    assert "variant='Huge' is not allowed; allowed: mu, XS, Ti, S, B" in result.stderr


def test_workdir_that_is_a_file(tmp_path):
    path = tmp_path / 'file'
    path.write_text('keep me')
    result = launch('--config=configs/vit.py:smoke', f'--workdir={path}')
    assert result.returncode == 2 and 'is a file' in result.stderr
    assert path.read_text() == 'keep me'


def test_existing_workdir_untouched_by_bad_override(tmp_path):
    workdir = tmp_path / 'run'
    workdir.mkdir()
    (workdir / 'notes.txt').write_text('x')
    result = launch('--config=configs/vit.py:smoke', f'--workdir={workdir}', '--config.nope=1')
    assert result.returncode == 2
    assert sorted(os.listdir(workdir)) == ['notes.txt']
