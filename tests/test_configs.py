"""Every config in configs/ builds, reports its parameter count, and its smoke variant trains,
evaluates and checkpoints (at least twice, so resume is exercised by the smoke run)."""

import glob
import os

import jax
import pytest

from seqlab import launcher
from seqlab.train import loop, preflight, state
from tests.conftest import REPO

CONFIGS = sorted(os.path.relpath(p, REPO) for p in glob.glob(os.path.join(REPO, 'configs', '*.py')))


def test_all_configs_are_tested():
    assert CONFIGS, 'no configs found'
    assert {'configs/vit.py', 'configs/mixer.py'} <= set(CONFIGS)


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds_and_counts_parameters(path, tmp_path):
    config = launcher.load_config(os.path.join(REPO, path), {})
    plan = preflight.prepare(config, str(tmp_path / 'w'))
    sample = jax.tree.map(lambda x: x[:1], plan.splits.eval[0])
    inputs = plan.task.inputs(sample)
    variables = jax.eval_shape(lambda: plan.model.init(jax.random.PRNGKey(0), *inputs, train=False))
    count = state.num_params(variables['params'])
    print(f'{path}: {count:,} parameters')
    assert count > 1000
    assert not os.path.exists(tmp_path / 'w'), 'preflight must not touch the workdir'


@pytest.mark.parametrize('path', CONFIGS)
def test_smoke_variant_trains_evaluates_checkpoints(path, tmp_path):
    config = launcher.load_config(os.path.join(REPO, path) + ':smoke', {})
    workdir = tmp_path / 'run'
    metrics = loop.train_and_evaluate(config, str(workdir))
    assert 0.0 <= metrics['eval/accuracy'] <= 1.0
    steps = sorted(int(d) for d in os.listdir(workdir / 'checkpoints') if d.isdigit())
    assert len(steps) >= 2 and steps[-1] == 24
    assert (workdir / 'config.json').exists() and (workdir / 'metrics.jsonl').exists()
    assert glob.glob(str(workdir / 'tensorboard' / 'events.out.tfevents.*'))
