"""Bad input: one line on stderr, exit code 2, before compilation, workdir untouched."""

import io
import os
import sys
import traceback

import pytest

from seqlab import launcher
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
    (
        ['--config.checkpoint.keep=0'],
        'config.checkpoint.keep=0 is not allowed; allowed: an int >= 1 (the newest checkpoints kept',
    ),
    (
        ['--config.steps=1'],
        "config.steps='1' with config.optim.warmup='4': the only update would run at learning "
        "rate 0 (the warm-up starts at 0); allowed: config.optim.warmup='0' or config.steps >= 2",
    ),
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


CONFIG_FILES = {
    # name: (config file text, expected part of the error line, which starts with the path)
    'syntax error': (
        'import ml_collections\n\n\ndef get_config(arg=None):\n    return dict(\n',
        " line 5: SyntaxError: '(' was never closed",
    ),
    'get_config raises': (
        'def get_config(arg=None):\n    options = {}\n    return options["foo"]\n',
        "line 3: get_config raised KeyError: 'foo'",
    ),
    'loading the file raises': (
        'import os\n\nROOT = os.environ["SEQLAB_NO_SUCH_VARIABLE"]\n',
        "line 3: loading the file raised KeyError: 'SEQLAB_NO_SUCH_VARIABLE'",
    ),
    'no get_config': (
        'def get_sweep(arg=None):\n    return {}\n',
        'defines no get_config(arg); a config file returns its ml_collections.ConfigDict',
    ),
    'get_config returns a dict': (
        'def get_config(arg=None):\n    return {"steps": "3"}\n',
        ': get_config returned a dict; expected an ml_collections.ConfigDict',
    ),
}


@pytest.mark.parametrize('case', CONFIG_FILES)
def test_broken_config_file_is_one_line_naming_file_and_line(capsys, tmp_path, case):
    text, message = CONFIG_FILES[case]
    path = tmp_path / 'mine.py'
    path.write_text(text)
    code, stderr = run_in_process(capsys, tmp_path / 'run', spec=str(path))
    assert code == 2
    assert stderr.startswith(f'error: {path}') and stderr.count('\n') == 1, stderr
    assert message in stderr, stderr
    assert not (tmp_path / 'run').exists()


def test_config_argument_error_inside_get_config_keeps_its_own_line(capsys, tmp_path):
    """parse_arg's ConfigError raised inside a user's get_config is not wrapped in file/line."""
    path = tmp_path / 'mine.py'
    path.write_text(
        'from seqlab.config import parse_arg\n\n\n'
        'def get_config(arg=None):\n    parse_arg(arg, size=1)\n'
    )
    code, stderr = run_in_process(capsys, tmp_path / 'run', spec=f'{path}:sise=2')
    assert code == 2
    assert stderr == "error: config argument 'sise' is not known; allowed: size\n"


def test_get_sweep_that_raises_is_one_line_naming_file_and_line(capsys, tmp_path):
    from seqlab import launcher
    from seqlab.sweep.runner import Options

    path = tmp_path / 'mine.py'
    path.write_text(
        'from configs.vit import get_config\n\n\ndef get_sweep(arg=None):\n    return 1 / 0\n'
    )
    with pytest.raises(SystemExit) as exit_info:
        launcher.run(str(path), {}, str(tmp_path / 'sweep'), 'train', sweep=Options(dry_run=True))
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (
        f'error: {path} line 5: get_sweep raised ZeroDivisionError: division by zero\n'
    )


def test_truncated_hf_checkpoint_is_one_line_naming_the_file(capsys, tmp_path):
    """config.init.source='hf:<dir>' whose model.safetensors was cut short (a broken download)."""
    import numpy as np

    from seqlab.interop import checkpoint_dir

    hf = tmp_path / 'hf'
    config = {'architectures': ['ViTForImageClassification'], 'model_type': 'vit'}
    checkpoint_dir.write(str(hf), config, {'vit.embeddings.cls_token': np.ones((1, 1, 16))})
    weights = hf / 'model.safetensors'
    weights.write_bytes(weights.read_bytes()[:-8])
    code, stderr = run_in_process(capsys, tmp_path / 'run', f'--config.init.source=hf:{hf}')
    assert code == 2
    assert stderr.startswith(f'error: config.init.source=hf:{hf}: {weights} cannot be read: '), (
        stderr
    )
    assert stderr.count('\n') == 1 and not (tmp_path / 'run').exists()


def test_checkpoint_step_in_train_mode(capsys, tmp_path):
    from seqlab import launcher

    with pytest.raises(SystemExit) as exit_info:
        launcher.run('configs/vit.py:smoke', {}, str(tmp_path / 'run'), 'train', checkpoint_step=8)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (
        'error: --checkpoint_step=8 is not allowed with --mode=train (training resumes from the '
        'latest checkpoint); allowed: --mode=eval, predict, generate or figures; to start a new '
        'run from step 8, --config.init.source=<workdir>@8\n'
    )
    assert not (tmp_path / 'run').exists()


def test_cadences_that_act_only_at_the_end_are_noted(tmp_path):
    """'0' and cadences longer than the run: legal, acting at the last step only, each noted."""
    from seqlab import launcher
    from seqlab.train import preflight

    settings = {
        'log_every': '0',
        'eval_every': '0ep',
        'checkpoint.every': '100',
        'optim.warmup': '30',
    }
    plan = preflight.prepare(launcher.load_config('configs/vit.py:smoke', settings), tmp_path)
    assert (plan.log_every, plan.eval_every, plan.checkpoint_every) == (0, 0, 100)
    assert plan.notes == (
        "config.log_every='0': training metrics are logged only at the last step (24); '0' means "
        'not periodically',
        "config.eval_every='0ep': the model is evaluated only at the last step (24); '0' means "
        'not periodically',
        "config.checkpoint.every='100': a checkpoint is saved only at the last step (24) and on "
        'SIGTERM, so a crash before it loses the run; 100 steps > the run',
        "config.optim.warmup='30' (30 steps) fills the run of 24 steps: the learning rate rises "
        'from 0 and never reaches config.optim.lr=0.001',
    )
    assert preflight.prepare(launcher.load_config('configs/vit.py:smoke', {}), tmp_path).notes == ()


def test_error_line_is_one_write_so_no_other_thread_splits_it(monkeypatch):
    """Orbax's threads print tracebacks while the main thread reports a failed save: the message
    and its newline must reach stderr in one write, or their text lands inside seqlab's line."""
    writes = []

    class Recording(io.StringIO):
        def write(self, text):
            writes.append(text)
            return len(text)

    monkeypatch.setattr(sys, 'stderr', Recording())
    with pytest.raises(SystemExit) as exit_info:
        launcher.fail('writing checkpoint step 24 failed')
    assert exit_info.value.code == 2
    assert writes == ['error: writing checkpoint step 24 failed\n']
