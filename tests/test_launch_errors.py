"""Bad input: one line on stderr, exit code 2, before compilation, workdir untouched."""

import os
import traceback

import pytest

from tests.conftest import launch, run_in_process

CASES = [
    (['--config.optim.lrr=3e-4'], 'config.optim.lrr does not exist; allowed here: accum_steps, b1'),
    (['--config.optim.lr=fast'], "config.optim.lr='fast' is not a valid float"),
    (['--config.seed=1.5'], "config.seed='1.5' has type float; expected int"),
    (['--config.steps.every=3'], 'config.steps.every does not exist: config.steps is a value'),
    (['--config.optim=3'], 'config.optim is a group; set one of its keys: accum_steps, b1'),
    (['--config.model.name=vitt'], "config.model.name='vitt' is not a model; allowed: "),
    (['--config.task.name=regress'], "config.task.name='regress' is not a task; allowed: "),
    (['--config.data.name=fashon_mnist'], "config.data.name='fashon_mnist' is not a dataset"),
    (['--config.model.kwargs.widht=8'], 'config.model.kwargs.widht does not exist; allowed here: '),
    (
        ['--config.model.kwargs.stem=patch', '--config.model.kwargs.patch=3'],
        'config.model.kwargs.patch=3 does not divide the 8x8 image; allowed: 1, 2, 4, 8',
    ),
    (
        ['--config.model.kwargs.patch=3'],
        "config.model.kwargs.patch=3 is not a stride of stem='conv' for the 8x8 image; "
        'allowed: 2, 4, 8',
    ),
    (['--config.model.kwargs.pool=max'], "config.model.kwargs.pool='max' is not allowed"),
    (['--config.optim.name=lion'], "config.optim.name='lion' is not allowed; allowed: sgd, adam"),
    (['--config.eval_every=often'], "config.eval_every='often' is not a cadence"),
    (['--config.mesh.data=3'], 'config.mesh='),
]


@pytest.mark.parametrize('overrides, message', CASES)
def test_bad_config_is_one_line_exit_2(capsys, tmp_path, overrides, message):
    workdir = tmp_path / 'run'
    code, stderr = run_in_process(capsys, workdir, *overrides)
    assert code == 2
    assert stderr.count('\n') == 1 and stderr.startswith('error: ') and message in stderr, stderr
    assert not workdir.exists()


def test_bad_config_argument(capsys, tmp_path):
    code, stderr = run_in_process(capsys, tmp_path / 'w', spec='configs/vit.py:variant=Huge')
    assert code == 2
    assert "variant='Huge' is not allowed; allowed: mu, XS, Ti, S, B" in stderr


def test_workdir_that_is_a_file(capsys, tmp_path):
    path = tmp_path / 'file'
    path.write_text('keep me')
    code, stderr = run_in_process(capsys, path)
    assert code == 2 and f"--workdir='{path}' is a file" in stderr
    assert path.read_text() == 'keep me'


def test_through_launch_py_existing_workdir_untouched(tmp_path):
    workdir = tmp_path / 'run'
    workdir.mkdir()
    (workdir / 'notes.txt').write_text('x')
    result = launch('--config=configs/vit.py:smoke', f'--workdir={workdir}', '--config.nope=1')
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith('error: config.nope does not exist')
    assert 'Traceback' not in result.stderr
    assert sorted(os.listdir(workdir)) == ['notes.txt']


def test_generate_with_a_task_that_cannot_generate(capsys, tmp_path):
    code, stderr = run_in_process(capsys, tmp_path / 'w', mode='generate')
    assert code == 2
    assert "task 'classification' does not generate; allowed tasks: " in stderr
    assert 'waveform_lm' in stderr and not (tmp_path / 'w').exists()


def raising(error: BaseException):
    """A stand-in for a library function that fails with `error` (a bug, not bad input)."""

    def broken(*args, **kwargs):
        raise error

    return broken


@pytest.mark.parametrize(
    'target, error',
    [
        ('seqlab.data.vision_splits.check', NotImplementedError('a bug in data.check')),
        ('seqlab.data.builders.offline', FileNotFoundError('a bug opening the dataset')),
        ('seqlab.data.vision.image_feature', ValueError('a bug in make_splits')),
    ],
)
def test_a_bug_in_the_data_package_keeps_its_traceback(
    capsys, tmp_path, monkeypatch, target, error
):
    """Only ConfigError (and a refused record) is bad input: any other exception of the data
    package propagates as itself, not as exit 2 with one line that hides where it came from."""
    monkeypatch.setattr(target, raising(error))
    with pytest.raises(type(error)) as raised:
        run_in_process(capsys, tmp_path / 'w')
    assert raised.value is error
    assert not (tmp_path / 'w').exists()


def test_a_bug_while_reading_a_training_batch_keeps_its_traceback(capsys, tmp_path, monkeypatch):
    """The train loop turns only a refused record (`data.BadRecordError`) into one line naming
    the step; a ValueError of a bug while a batch is read propagates with its traceback."""
    error = ValueError('a bug in vision.augment')
    # the flip augmentation runs on training batches only, which are read first in the loop
    monkeypatch.setattr('seqlab.data.vision.augment', raising(error))
    with pytest.raises(ValueError) as raised:
        run_in_process(capsys, tmp_path / 'w', '--config.data.augment=flip', '--config.steps=2')
    assert raised.value is error
    assert any(frame.name == 'train' for frame in traceback.extract_tb(raised.tb))
