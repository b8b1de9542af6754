"""Bad input through `launch.py` (or, where the process boundary plays no part, through what it
calls in this process): one line on stderr, exit code 2, the workdir untouched.

Names, types, unknown model/dataset/task, a patch size that does not divide the image and a workdir
that is a file are covered case by case in tests/test_launch_errors.py; here are the rest: a
missing dataset program (with the command that installs it), degenerate data shapes of each
modality, a workdir that cannot be written, and a checkpoint of a different model.
"""

import os
import subprocess
import sys

import pytest

from tests.conftest import run_in_process
from tests.reliability import runs

CASES = {
    # name: (config, overrides, expected part of the error line)
    'empty text windows': (
        'configs/text_cnn.py:smoke',
        {'data.max_length': 0},
        'config.data.max_length=0 is not allowed; allowed: an int >= 1',
    ),
    'zero-length audio clips': (
        'configs/spec_cnn.py:smoke',
        {'data.length': 0},
        'config.data.length=0 is not allowed; allowed: an int >= 1',
    ),
    'graphs with no nodes': (
        'configs/graphormer.py:smoke',
        {'data.node_budget': 0},
        'config.data.node_budget=0 is not allowed; allowed: an int >= 1',
    ),
    'series shorter than the context': (
        'configs/forecast.py:smoke',
        {'data.context': 4000},
        'is shorter than the context 4000',
    ),
}


def refused(spec: str, overrides: dict, workdir, env: dict | None = None) -> str:
    """Run launch.py; assert exit 2, one stderr line, workdir unchanged. -> the line."""
    before = runs.snapshot(workdir)
    run = runs.Launch(spec, overrides, workdir, env=env)
    assert run.wait() == 2, run.stderr[-3000:]
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: '), run.stderr[-3000:]
    assert runs.snapshot(workdir) == before
    return lines[0]


@pytest.fixture
def workdir(tmp_path):
    """An existing workdir with a file of the user's in it."""
    path = tmp_path / 'run'
    path.mkdir()
    (path / 'notes.txt').write_text('keep me')
    return path


@pytest.mark.parametrize('case', CASES)
def test_degenerate_data_is_refused(capsys, workdir, case):
    """In this process (what launch.py calls): these are refused by the config checks."""
    spec, overrides, message = CASES[case]
    before = runs.snapshot(workdir)
    args = [f'--config.{key}={value}' for key, value in overrides.items()]
    code, stderr = run_in_process(capsys, workdir, *args, spec=spec)
    assert code == 2 and stderr.count('\n') == 1 and stderr.startswith('error: '), stderr
    assert message in stderr and runs.snapshot(workdir) == before


def test_missing_dataset_program_names_the_install_command(workdir, tmp_path):
    """kjv is prepared from the `bible` program (Debian bible-kjv); here it is not on PATH."""
    fresh = tmp_path / 'empty_data_dir'
    path = os.path.dirname(sys.executable)
    error = refused('configs/gpt.py:smoke', {'data.data_dir': fresh}, workdir, env={'PATH': path})
    assert 'apt-get install bible-kjv' in error, error


def test_unwritable_workdir(workdir):
    """Read-only for this user: chmod, or for root (who ignores modes) the immutable flag."""
    if os.geteuid() != 0:
        workdir.chmod(0o555)
    elif subprocess.run(['chattr', '+i', str(workdir)], capture_output=True).returncode:
        pytest.skip(f'root without CAP_LINUX_IMMUTABLE cannot make {workdir} read-only')
    try:
        error = refused('configs/vit.py:smoke', {}, workdir)
        assert f"--workdir='{workdir}' is not writable" in error, error
    finally:
        if os.geteuid() == 0:
            subprocess.run(['chattr', '-i', str(workdir)], check=True)
        workdir.chmod(0o755)


def test_checkpoint_of_a_different_model(tmp_path):
    runs.Launch('configs/vit.py:smoke', {'steps': 4, 'eval_every': 4}, tmp_path).finished()
    error = refused('configs/mixer.py:smoke', {'steps': 8}, tmp_path)
    assert f'error: checkpoint {tmp_path}/checkpoints/4 does not fit this model: ' in error, error
    assert "model.name: 'vit' -> 'mixer'" in error, error
