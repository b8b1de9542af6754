"""Every config in configs/ builds, reports its parameter count, and its smoke variant trains,
evaluates and checkpoints (at least twice, so resume is exercised by the smoke run)."""

import glob
import logging
import math
import os

import jax
import jax.numpy as jnp
import pytest

from seqlab import launcher, models, tasks
from seqlab.config import ConfigError
from seqlab.tasks.base import Task
from seqlab.train import loop, preflight, state
from tests.conftest import REPO

CONFIGS = sorted(os.path.relpath(p, REPO) for p in glob.glob(os.path.join(REPO, 'configs', '*.py')))


def test_all_configs_are_tested():
    assert CONFIGS, 'no configs found'
    assert {'configs/vit.py', 'configs/mixer.py'} <= set(CONFIGS)


# Datasets cheap enough to build in the test suite; configs on other datasets are built here with
# their smoke variant's data (the parameter count on the real data is logged by every run).
BUILT_IN_TESTS = {'fashion_mnist', 'digits'}


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds_and_counts_parameters(path, tmp_path):
    config = launcher.load_config(os.path.join(REPO, path), {})
    if config.data.name not in BUILT_IN_TESTS:
        config.data = launcher.load_config(os.path.join(REPO, path) + ':smoke', {}).data
    else:  # slices: only shapes are read, and carving + caching all of Fashion-MNIST takes ~9 s
        config.data.update(train_split='train[:1024]', eval_split='test[:64]', test_split='')
    plan = preflight.prepare(config, str(tmp_path / 'w'))
    sample = jax.tree.map(lambda x: x[:1], plan.splits.eval[0])
    inputs = plan.task.inputs(sample)
    variables = jax.eval_shape(lambda: plan.model.init(jax.random.PRNGKey(0), *inputs, train=False))
    count = state.num_params(variables['params'])
    print(f'{path}: {count:,} parameters')
    assert count > 1000
    assert not os.path.exists(tmp_path / 'w'), 'preflight must not touch the workdir'


@pytest.mark.parametrize('path', CONFIGS)
def test_smoke_variant_trains_evaluates_checkpoints(path, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    config = launcher.load_config(os.path.join(REPO, path) + ':smoke', {})
    workdir = tmp_path / 'run'
    metrics = loop.train_and_evaluate(config, str(workdir))
    if tasks.get(config.task.name).describe is not Task.describe:  # audio: receptive field logged
        assert 'receptive field' in caplog.text
    assert metrics and all(math.isfinite(v) for v in metrics.values()), metrics
    steps = sorted(int(d) for d in os.listdir(workdir / 'checkpoints') if d.isdigit())
    assert len(steps) >= 2 and steps[-1] == int(config.steps)
    assert (workdir / 'config.json').exists() and (workdir / 'metrics.jsonl').exists()
    assert glob.glob(str(workdir / 'tensorboard' / 'events.out.tfevents.*'))


def test_vit_norm_placement_is_a_config_field():
    """Pre-LN by default; model.kwargs.norm=post_ln builds a post-LN encoder (no final LayerNorm);
    an unknown placement is a config error."""
    spec = os.path.join(REPO, 'configs/vit.py:smoke')

    def encoder_params(overrides: dict) -> set[str]:
        model = models.get('vit')(
            num_classes=10, **launcher.load_config(spec, overrides).model.kwargs
        )
        images = jnp.zeros((1, 8, 8, 1))
        variables = jax.eval_shape(lambda: model.init(jax.random.PRNGKey(0), images))
        return set(variables['params']['encoder'])

    assert 'encoder_norm' in encoder_params({})
    assert encoder_params({'model.kwargs.norm': 'post_ln'}) == {'blocks'}
    with pytest.raises(ConfigError, match='config.model.kwargs.norm'):
        models.get('vit').check({'norm': 'sandwich'}, (8, 8, 1))
