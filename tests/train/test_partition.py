"""Sharding rules and mesh checks: which axis of which leaf goes to which mesh axis, and the
one-line errors for meshes, rules, batch sizes and launch environments that cannot work."""

import os

import jax
import jax.numpy as jnp
import ml_collections
import pytest
from jax.sharding import PartitionSpec as P

from seqlab import config_defaults, launcher
from seqlab.config import ConfigError
from seqlab.models.vit import ViT
from seqlab.train import optim, partition, preflight, sharding
from seqlab.train import state as state_lib
from tests.conftest import REPO

SIZES = {'data': 2, 'fsdp': 2, 'tensor': 2}


def mesh_config(**changes) -> ml_collections.ConfigDict:
    config = config_defaults.base().mesh
    config.update({'fsdp_min_size': 0, **changes})
    return config


def vit_specs(scan: bool, sizes=SIZES, **changes) -> dict[str, P]:
    model = ViT(num_classes=3, patch=2, width=16, depth=2, heads=2, mlp_dim=32, scan=scan)
    tx = optim.make(optim.default_config(), 1, 10)
    abstract = state_lib.abstract(model, tx, (jnp.zeros((1, 4, 4, 1)),), seed=0)
    specs = partition.state_specs(abstract, sizes, mesh_config(**changes))
    flat, _ = jax.tree_util.tree_flatten_with_path(specs, is_leaf=lambda x: isinstance(x, P))
    return {jax.tree_util.keystr(p, simple=True, separator='/'): s for p, s in flat}


def test_megatron_columns_and_rows_with_fsdp_on_the_largest_free_axis():
    specs = vit_specs(scan=True)
    blocks = 'params/encoder/blocks'
    # [layers, 16, 16]: columns over tensor, the remaining axis over fsdp; layers stay whole.
    assert specs[f'{blocks}/attention/query/kernel'] == P(None, 'fsdp', 'tensor')
    assert specs[f'{blocks}/attention/out/kernel'] == P(None, 'tensor', 'fsdp')
    assert specs[f'{blocks}/mlp/hidden/kernel'] == P(None, 'fsdp', 'tensor')  # [2, 16, 32]
    assert specs[f'{blocks}/mlp/output/kernel'] == P(None, 'tensor', 'fsdp')  # [2, 32, 16]
    assert specs[f'{blocks}/mlp/hidden/bias'] == P(None, 'tensor')  # [2, 32]
    assert specs[f'{blocks}/mlp/output/bias'] == P(None, 'fsdp')  # rows: bias not split
    assert specs['params/head/kernel'] == P('fsdp', None)  # [16, 3]: 3 is not divisible
    assert specs['params/head/bias'] == P(None)  # [3]
    assert specs['step'] == P()
    # Optimizer moments are split like their parameters.
    for path, spec in specs.items():
        if path.startswith('opt_state/1/0/mu/'):
            assert spec == specs['params/' + path.removeprefix('opt_state/1/0/mu/')], path


def test_unscanned_layers_use_the_same_rules():
    specs = vit_specs(scan=False)
    assert specs['params/encoder/blocks_1/attention/query/kernel'] == P('fsdp', 'tensor')
    assert specs['params/encoder/blocks_1/mlp/output/kernel'] == P('tensor', 'fsdp')


def test_small_leaves_and_size_one_axes_stay_replicated():
    specs = vit_specs(scan=True, fsdp_min_size=10**6)
    assert specs['params/encoder/blocks/mlp/hidden/kernel'] == P(None, None, 'tensor')
    replicated = vit_specs(scan=True, sizes={'data': 8, 'fsdp': 1, 'tensor': 1})
    assert {axis for spec in replicated.values() for axis in spec} <= {None}


@pytest.mark.parametrize(
    ('changes', 'message'),
    [
        (dict(rules=(('mlp', ('model', None)),)), "allowed: ('data', 'fsdp', 'tensor')"),
        (dict(rules=(('mlp[', (None,)),)), "'mlp[' is not a regex"),
        (dict(rules=(('mlp',),)), 'allowed: (regex, spec)'),
        (dict(rules=(('mlp', 'tensor'),)), 'allowed: (regex, spec)'),
        (dict(fsdp_min_size=-1), 'fsdp_min_size=-1 must be >= 0'),
    ],
)
def test_bad_rules_are_one_line_errors(changes, message):
    with pytest.raises(ConfigError, match='config.mesh') as error:
        sharding.check(mesh_config(**changes), 8)
    assert message in str(error.value) and '\n' not in str(error.value)


def test_a_rule_that_cannot_split_its_leaf_names_it():
    with pytest.raises(ConfigError) as error:
        vit_specs(scan=True, sizes={'data': 1, 'fsdp': 1, 'tensor': 3})
    assert str(error.value) == (
        'config.mesh.rules: params/encoder/blocks/attention/key/bias of shape [2, 16] cannot '
        'split axis 1 over tensor=3; allowed: a tensor size dividing 16, or a rule that does not '
        'match it'
    )


@pytest.mark.parametrize('sizes', [(3, 1, 1), (-1, -1, 1), (2, 2, 1), (0, -1, 1), (-2, 4, 1)])
def test_bad_meshes_are_one_line_errors(sizes):
    config = mesh_config(**dict(zip(partition.AXES, sizes, strict=True)))
    with pytest.raises(ConfigError) as error:
        sharding.check(config, 8)
    named = dict(zip(partition.AXES, sizes, strict=True))
    assert str(error.value) == (
        f'config.mesh={named} does not fit 8 devices; allowed: positive sizes whose product is 8, '
        'at most one -1 (the remaining devices)'
    )


def test_mesh_resolves_minus_one():
    assert sharding.mesh_shape(mesh_config(data=-1, fsdp=2, tensor=2), 8) == (2, 2, 2)


def test_batches_must_split_over_data_fsdp_and_accumulation(monkeypatch):
    monkeypatch.setattr(jax, 'device_count', lambda: 8)
    config = vit_smoke()  # batch 32, eval batch 64
    config.mesh.update(data=-1, fsdp=2)
    preflight.check_mesh(config)
    config.data.batch_size = 36
    with pytest.raises(ConfigError) as error:
        preflight.check_mesh(config)
    assert str(error.value) == (
        'config.data.batch_size=36 does not split over mesh data × fsdp = 4 × 2; '
        'allowed: multiples of 8'
    )
    config.data.batch_size, config.optim.accum_steps = 40, 3
    with pytest.raises(ConfigError, match='accum_steps=3 micro-batches; allowed: multiples of 3'):
        preflight.check_mesh(config)


def test_launch_environment():
    assert sharding.initialize_distributed({}) is False
    assert sharding.initialize_distributed({'SLURM_NTASKS': '1'}) is False
    with pytest.raises(ConfigError, match="JAX_PROCESS_ID='' must be set too"):
        sharding.initialize_distributed(
            {'JAX_COORDINATOR_ADDRESS': 'h:1234', 'JAX_NUM_PROCESSES': '2'}
        )


def test_model_dtype_and_remat_are_checked_before_anything_runs():
    config = vit_smoke()
    config.model.kwargs.dtype = 'float16'
    with pytest.raises(ConfigError, match="dtype='float16' is not allowed; allowed: float32, bf"):
        preflight.check_names(config)
    config.model.kwargs.dtype = 'bfloat16'
    config.model.kwargs.remat = 'some'
    with pytest.raises(
        ConfigError, match="remat='some' .*allowed: none, full, dots, dots_saveable"
    ):
        preflight.check_names(config)


def vit_smoke() -> ml_collections.ConfigDict:
    return launcher.load_config(os.path.join(REPO, 'configs/vit.py:smoke'), {})
