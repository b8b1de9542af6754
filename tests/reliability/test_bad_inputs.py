"""Bad input through `launch.py`: one line on stderr, exit code 2, the workdir untouched, and
nothing compiled before the error: the runs log every trace and XLA compilation (JAX_LOG_COMPILES=1)
and none may show a compilation (a run that does compile shows it). Tracing is allowed: checking a
checkpoint against the model traces the model's init for its shapes (`jax.eval_shape`).

Names, types, unknown model/dataset/task and a patch size that does not divide the image are
covered case by case in tests/test_launch_errors.py (in process); here are degenerate data shapes
of each modality, a missing dataset program (with the command that installs it), a workdir that is
a file or cannot be written, and a checkpoint of a different model.
"""

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence

import pytest

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
    'a negative node budget': (
        'configs/graphormer.py:smoke',
        {'data.node_budget': -1},
        'config.data.node_budget=-1 is not allowed; allowed: an int >= 1, or 0 for the largest',
    ),
    'series shorter than the context': (
        'configs/forecast.py:smoke',
        {'data.context': 4000},
        'is shorter than the context 4000',
    ),
}


TRACED = 'WARNING Finished tracing '
COMPILED = ('WARNING Compiling ', 'WARNING Finished XLA compilation ')


def refused(
    spec: str,
    overrides: dict,
    workdir,
    env: dict | None = None,
    prefix: Sequence[str] = (),
    flags: Sequence[str] = (),
) -> str:
    """Run launch.py (under the command `prefix`, such as `setpriv ...`, with more `flags`, such
    as --mode), or without either what it runs, in this process (`runs.in_process`); assert exit 2,
    one stderr line, nothing compiled, workdir unchanged. -> the line."""
    before = runs.snapshot(workdir)
    if prefix or flags:
        run = runs.Launch(
            spec,
            overrides,
            workdir,
            env={**runs.LOG_COMPILES, **(env or {})},
            prefix=prefix,
            flags=flags,
        )
        code, stderr = run.wait(), run.stderr
    else:
        code, stderr = runs.in_process(spec, overrides, workdir, env=env or {})
    assert code == 2, stderr[-3000:]
    lines = [line for line in stderr.strip().splitlines() if TRACED not in line]
    compiled = [line for line in lines if any(mark in line for mark in COMPILED)]
    assert not compiled, f'compiled before the error: {compiled}'
    assert len(lines) == 1 and lines[0].startswith('error: '), stderr[-3000:]
    assert runs.snapshot(workdir) == before
    return lines[0]


@pytest.mark.parametrize('case', CASES)
def test_degenerate_data_is_refused(workdir, case):
    spec, overrides, message = CASES[case]
    error = refused(spec, overrides, workdir)
    assert message in error, error


def test_workdir_that_is_a_file(tmp_path):
    path = tmp_path / 'run'
    path.write_text('keep me')
    run = runs.Launch('configs/vit.py:smoke', {}, path, env=runs.LOG_COMPILES)
    assert run.wait() == 2, run.stderr[-3000:]
    assert (
        run.stderr
        == f"error: --workdir='{path}' is a file; allowed: a directory (new or existing)\n"
    )
    assert path.read_text() == 'keep me'


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


def test_checkpoint_of_a_different_model(tmp_path, smoke_run):
    """A copy of the shared `smoke_run` (tests/reliability/conftest.py), rerun as a mixer."""
    assert 'WARNING Compiling jit(train_step)' in smoke_run.stderr  # what `refused` looks for
    workdir = tmp_path / 'run'
    shutil.copytree(smoke_run.workdir, workdir)
    error = refused('configs/mixer.py:smoke', {'steps': 8}, workdir)
    assert f'error: checkpoint {workdir}/checkpoints/24 does not fit this model: ' in error, error
    assert "model.name: 'vit' -> 'mixer'" in error, error
