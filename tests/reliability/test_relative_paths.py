"""Relative paths, as a user types them, from a working directory other than the repository root.

`launch.py` is run by a relative path from a scratch directory, with a relative `--config`,
`SEQLAB_DATA_DIR`, `--workdir` (or none: the default `runs/<config name>`), `config.init.source`
and `--sweep_storage`. Every mode — train, eval, predict, figures, generate, sweep — must work and
put its files under that scratch directory (orbax alone refused relative checkpoint paths: the
first save of a README command failed).
"""

import json
import os
import subprocess
import sys

from tests.reliability import runs

# The smoke config's 24 steps (its programs are in the persistent compilation cache after other
# tests' launches), checkpointed twice.
SHORT = ['--config.checkpoint.every=12']


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


def config(cwd, name: str) -> str:
    """configs/<name> of the source copy, relative to `cwd`."""
    return os.path.relpath(os.path.join(runs.source_tree(), 'configs', name), cwd)


def test_train_eval_predict_figures_and_init_source_with_relative_paths(tmp_path):
    cwd = tmp_path / 'elsewhere'
    cwd.mkdir()
    vit = config(cwd, 'vit.py') + ':smoke'
    launch_from(cwd, f'--config={vit}', *SHORT)  # no --workdir: runs/vit under cwd
    workdir = cwd / 'runs' / 'vit'
    assert runs.checkpoint_steps(workdir) == [12, 24]

    evaluated = launch_from(cwd, f'--config={vit}', '--workdir=runs/vit', '--mode=eval')
    assert json.loads(evaluated.stdout)['step'] == 24
    assert (workdir / 'eval_24.json').is_file()
    launch_from(cwd, f'--config={vit}', '--workdir=runs/vit', '--mode=predict')
    assert (workdir / 'predictions_validation_24.npz').is_file()
    drawn = launch_from(cwd, f'--config={vit}', '--workdir=runs/vit', '--mode=figures')
    assert drawn.stdout.split() and all(
        path.startswith(str(workdir / 'figures')) for path in drawn.stdout.split()
    )

    launch_from(
        cwd,
        f'--config={vit}',
        '--workdir=./runs/../runs/from_vit',
        '--config.init.source=runs/vit@12',
        *SHORT,
    )
    assert runs.checkpoint_steps(cwd / 'runs' / 'from_vit') == [12, 24]
    with open(cwd / 'runs' / 'from_vit' / 'config.json') as f:
        assert json.load(f)['init']['source'] == f'{workdir}@12'


def test_generate_with_relative_paths(tmp_path):
    gpt = config(tmp_path, 'gpt.py') + ':smoke'
    launch_from(tmp_path, f'--config={gpt}', '--workdir=gpt', '--config.steps=2')
    generated = launch_from(tmp_path, f'--config={gpt}', '--workdir=gpt', '--mode=generate')
    assert generated.stdout.strip().startswith(str(tmp_path / 'gpt' / 'generated_2'))


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
        assert runs.checkpoint_steps(sweep / 'trials' / trial) == [12, 24]
