"""Relative paths, as a user types them, from a working directory other than the repository root.

`launch.py` is run by a relative path from a scratch directory, with a relative `--config`,
`SEQLAB_DATA_DIR`, `--workdir` (or none: the default `runs/<config name>`), `config.init.source`
and `--sweep_storage`. Every mode — train, eval, predict, figures, generate, sweep — must work and
put its files under that scratch directory (orbax alone refused relative checkpoint paths: the
first save of a README command failed). eval, predict, figures and generate after a training run
what launch.py runs (`launcher.run`) in this process, from that directory (`run_from`): the
trainings have shown launch.py started by a relative path.
"""

import contextlib
import io
import json
import os
import subprocess
import sys

import pytest

from seqlab import launcher
from tests.reliability import runs

SHORT = ['--config.steps=4', '--config.eval_every=2', '--config.checkpoint.every=2']


def launch_from(cwd, *args: str) -> subprocess.CompletedProcess:
    """`python <relative>/launch.py ARGS` from `cwd`, relative data directory; must succeed."""
    tree = runs.source_tree()
    env = {
        **os.environ,
        'SEQLAB_DATA_DIR': os.path.relpath(os.environ['SEQLAB_DATA_DIR'], cwd),
    }
    done = subprocess.run(
        [sys.executable, os.path.relpath(os.path.join(tree, 'launch.py'), cwd), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=runs.TIMEOUT,
    )
    assert done.returncode == 0, f'{args}: exit {done.returncode}\n{done.stderr[-3000:]}'
    return done


def run_from(cwd, spec: str, workdir: str, mode: str) -> str:
    """`launcher.run(SPEC, {}, WORKDIR, MODE)` in this process from `cwd`, with the relative data
    directory of `launch_from`. -> what it printed."""
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        patch.setenv('SEQLAB_DATA_DIR', os.path.relpath(os.environ['SEQLAB_DATA_DIR'], cwd))
        with contextlib.redirect_stdout(printed):
            launcher.run(spec, {}, workdir, mode)
    return printed.getvalue()


def config(cwd, name: str) -> str:
    """configs/<name> of the source copy, relative to `cwd`."""
    return os.path.relpath(os.path.join(runs.source_tree(), 'configs', name), cwd)


def test_train_eval_predict_figures_and_init_source_with_relative_paths(tmp_path):
    cwd = tmp_path / 'elsewhere'
    cwd.mkdir()
    vit = config(cwd, 'vit.py') + ':smoke'
    launch_from(cwd, f'--config={vit}', *SHORT)  # no --workdir: runs/vit under cwd
    workdir = cwd / 'runs' / 'vit'
    assert runs.checkpoint_steps(workdir) == [2, 4]

    assert json.loads(run_from(cwd, vit, 'runs/vit', 'eval'))['step'] == 4
    assert (workdir / 'eval_4.json').is_file()
    run_from(cwd, vit, 'runs/vit', 'predict')
    assert (workdir / 'predictions_validation_4.npz').is_file()
    drawn = run_from(cwd, vit, 'runs/vit', 'figures').split()
    assert drawn and all(path.startswith(str(workdir / 'figures')) for path in drawn)

    launch_from(
        cwd,
        f'--config={vit}',
        '--workdir=./runs/../runs/from_vit',
        '--config.init.source=runs/vit@2',
        '--config.steps=2',
    )
    assert runs.checkpoint_steps(cwd / 'runs' / 'from_vit') == [2]
    with open(cwd / 'runs' / 'from_vit' / 'config.json') as f:
        assert json.load(f)['init']['source'] == f'{workdir}@2'


def test_generate_with_relative_paths(tmp_path):
    gpt = config(tmp_path, 'gpt.py') + ':smoke'
    launch_from(tmp_path, f'--config={gpt}', '--workdir=gpt', '--config.steps=2')
    generated = run_from(tmp_path, gpt, 'gpt', 'generate')
    assert generated.strip().startswith(str(tmp_path / 'gpt' / 'generated_2'))


def test_sweep_with_relative_workdir_and_storage(tmp_path):
    vit = config(tmp_path, 'vit.py') + ':smoke,sweep=seeds'
    launch_from(
        tmp_path,
        f'--config={vit}',
        *SHORT,
        '--sweep',
        '--sweep_storage=sqlite:///vit.db',
        '--sweep_heartbeat=1',
    )
    sweep = tmp_path / 'runs' / 'vit_sweep'
    assert (tmp_path / 'vit.db').is_file()
    for trial in ('0', '1'):
        assert runs.checkpoint_steps(sweep / 'trials' / trial) == [2, 4]
