"""Resuming with a changed config: harmless changes are logged and take effect; a change of
parameter shapes is refused naming the array and both shapes; divergence stops the run without
writing a non-finite checkpoint."""

import logging
import os
import shutil

import jax
import numpy as np
import pytest

from seqlab import launcher
from seqlab.train import loop
from tests.conftest import REPO

SPEC = os.path.join(REPO, 'configs/vit.py:smoke')


def train(workdir, **overrides):
    config = launcher.load_config(SPEC, {k: str(v) for k, v in overrides.items()})
    return loop.train_and_evaluate(config, str(workdir))


@pytest.fixture(scope='module')
def trained_8(tmp_path_factory) -> str:
    """A workdir trained for 8 steps; each test resumes a copy of it."""
    workdir = tmp_path_factory.mktemp('trained_8') / 'run'
    train(workdir, steps=8)
    return str(workdir)


def test_changed_learning_rate_is_logged_and_used(trained_8, tmp_path, caplog):
    shutil.copytree(trained_8, tmp_path, dirs_exist_ok=True)
    with caplog.at_level(logging.INFO, logger='seqlab'):
        train(tmp_path, steps=16, **{'optim.lr': 0.002})
    assert "at step 8; config changes: optim.lr: 0.001 -> 0.002, steps: '8' -> '16'" in caplog.text


def test_changed_shapes_are_refused_naming_array_and_shapes(trained_8, tmp_path, capsys):
    shutil.copytree(trained_8, tmp_path, dirs_exist_ok=True)
    before = sorted(os.listdir(tmp_path))
    config_json = (tmp_path / 'config.json').read_text()
    overrides, _ = launcher.split_overrides(['--config.model.kwargs.width=24'])
    with pytest.raises(SystemExit) as exit_info:
        launcher.run(SPEC, overrides, str(tmp_path), 'train')
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]  # earlier lines: other tests' logs
    assert error.startswith('error: checkpoint ')
    assert 'does not fit this model: params/' in error
    assert 'has shape [1, 1, 16] in the checkpoint and [1, 1, 24] in the model' in error
    assert 'model.kwargs.width: 16 -> 24' in error
    assert sorted(os.listdir(tmp_path)) == before
    assert (tmp_path / 'config.json').read_text() == config_json


def test_divergence_stops_at_once_and_never_checkpoints_non_finite(tmp_path):
    with pytest.raises(FloatingPointError, match=r'non-finite training metrics at step \d+'):
        train(tmp_path, steps=24, **{'optim.lr': 1e9, 'optim.clip_norm': 0.0, 'optim.warmup': '0'})
    run = loop.Run(launcher.load_config(SPEC, {}), str(tmp_path), mode='eval')
    ckpt = run.checkpointer()
    for step in ckpt.all_steps():
        state, _, _ = ckpt.restore(run.abstract_state, step)
        assert all(np.isfinite(leaf).all() for leaf in jax.tree.leaves(state.params))
    ckpt.close()
