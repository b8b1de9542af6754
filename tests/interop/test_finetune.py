"""Fine-tuning from a transformers checkpoint: `--config.init.source=hf:<dir>`.

A ViT exported at 32x32 with 3 channels fine-tunes on Fashion-MNIST (28x28, 1 channel) through
launch.py: position embeddings interpolated to the 7x7 patch grid, the patch kernel summed over
input channels, the 5-label head re-initialised for 10 classes, each logged; training starts
from the checkpoint's weights. Overrides that contradict the checkpoint are one-line errors.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import transformers
from flax import traverse_util

from seqlab import interop, launcher
from seqlab.config import ConfigError
from seqlab.interop import export, finetune
from seqlab.interop import vit as vit_interop
from seqlab.models.gpt import GPT
from seqlab.models.vit import ViT
from seqlab.train import loop
from tests.conftest import launch
from tests.interop.hf import logits

SOURCE = ViT(num_classes=5, patch=4, width=16, depth=2, heads=2, mlp_dim=24, gelu_approximate=False)
FASHION = jnp.zeros((1, 28, 28, 1))


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    """(directory, flat params) of a ViT for 32x32x3 images, every parameter random."""
    params = jax.jit(SOURCE.init)(jax.random.PRNGKey(0), jnp.zeros((1, 32, 32, 3)))['params']
    leaves = jax.random.split(jax.random.PRNGKey(1), len(jax.tree.leaves(params)))
    params = jax.tree.map(
        lambda p, k: p + 0.1 * jax.random.normal(k, p.shape),
        params,
        jax.tree.unflatten(jax.tree.structure(params), list(leaves)),
    )
    path = tmp_path_factory.mktemp('vit32')
    interop.to_transformers(SOURCE, {'params': params}, str(path))
    return str(path), traverse_util.flatten_dict(params, sep='/')


def overrides(path: str, **more: str) -> dict[str, str]:
    return {'init.source': f'hf:{path}', **more}


def test_vit_fine_tunes_on_fashion_mnist_from_the_checkpoint_and_exports(
    exported, tmp_path, capsys
):
    path, source = exported
    short = {'steps': '3', 'eval_every': '3', 'checkpoint.every': '3', 'log_every': '1'}
    # Slices of Fashion-MNIST: each of the three opens (launch.py, the restore below, the export)
    # would otherwise carve validation from all 60k train records and cache them (~9 s each).
    small = {
        'data.train_split': 'train[:256]',
        'data.eval_split': 'test[:64]',
        'data.test_split': '',
    }
    settings = {
        **overrides(path),
        **short,
        **small,
        'data.batch_size': '16',
        'data.eval_batch_size': '32',
    }
    result = launch(
        '--config=configs/vit.py',
        f'--workdir={tmp_path}',
        *[f'--config.{k}={v}' for k, v in settings.items()],
    )
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stderr
    assert 'position/table interpolated from a 8x8 to a 7x7 grid of patches' in log
    assert 'patch_embedding/kernel summed over 3 input channels to 1' in log
    assert 're-initialised head/bias [5] -> [10], head/kernel [16, 5] -> [16, 10]' in log

    run = loop.Run(launcher.load_config('configs/vit.py', settings), str(tmp_path), mode='eval')
    params, step = run.restore_params()
    trained = traverse_util.flatten_dict(jax.device_get(params), sep='/')
    assert step == 3
    expected = dict(source)
    expected['position/table'] = vit_interop.adapt(
        SOURCE, (FASHION,), 'position/table', source['position/table'], (50, 16)
    )[0]
    expected['patch_embedding/kernel'] = source['patch_embedding/kernel'].sum(2, keepdims=True)
    for name, value in trained.items():
        if name.startswith('head/'):
            continue
        change = np.abs(value - expected[name]).max()
        assert 0 < change < 0.02, (name, change)  # a few small steps from the checkpoint

    # The documented export command writes the fine-tuned run for transformers.
    export.main([str(tmp_path), '--best'])
    assert capsys.readouterr().out.strip() == str(tmp_path / 'transformers_3')
    exported_run = transformers.ViTForImageClassification.from_pretrained(
        tmp_path / 'transformers_3'
    )
    images = np.random.RandomState(0).rand(3, 28, 28, 1).astype(np.float32)
    ours = run.plan.model.apply({'params': params}, images)
    np.testing.assert_allclose(
        np.asarray(ours), logits(exported_run.eval(), images.transpose(0, 3, 1, 2)), atol=1e-5
    )


def test_an_override_contradicting_the_checkpoint_is_one_line(exported):
    path, _ = exported
    with pytest.raises(ConfigError) as error:
        launcher.load_config('configs/vit.py', overrides(path, **{'model.kwargs.width': '32'}))
    assert str(error.value) == (
        f'--config.model.kwargs.width=32 contradicts the checkpoint {path} (width=16); '
        'allowed: 16 or no override'
    )


def test_model_fields_come_from_the_checkpoint(exported):
    config = launcher.load_config('configs/vit.py', overrides(exported[0]))
    assert {
        k: config.model.kwargs[k] for k in ('width', 'depth', 'mlp_dim', 'gelu_approximate')
    } == {
        'width': 16,
        'depth': 2,
        'mlp_dim': 24,
        'gelu_approximate': False,
    }


def test_a_checkpoint_of_another_model_is_refused(exported):
    with pytest.raises(ConfigError) as error:
        launcher.load_config('configs/gpt.py', overrides(exported[0]))
    assert str(error.value) == (
        f'config.init.source=hf:{exported[0]} is a ViTForImageClassification checkpoint for model '
        "'vit'; config.model.name='gpt'"
    )


def test_gpt_starts_exactly_from_the_checkpoint(tmp_path):
    model = GPT(vocab_size=261, width=16, depth=2, heads=2, mlp_dim=32, max_length=16)
    tokens = jnp.zeros((1, 16), jnp.int32)
    init = jax.jit(model.init)
    params = init(jax.random.PRNGKey(0), tokens)['params']
    interop.to_transformers(model, {'params': params}, str(tmp_path))
    fresh = init(jax.random.PRNGKey(1), tokens)['params']
    started = finetune.initial_params(str(tmp_path), model, (tokens,), fresh)
    jax.tree.map(np.testing.assert_array_equal, started, params)


def test_gpt_config_takes_the_checkpoint_fields_and_keeps_its_data_length(tmp_path):
    model = GPT(vocab_size=261, width=16, depth=2, heads=2, mlp_dim=32, max_length=48)
    shapes = jax.eval_shape(model.init, jax.random.PRNGKey(0), jnp.zeros((1, 48), jnp.int32))
    variables = jax.tree.map(lambda s: np.zeros(s.shape, s.dtype), shapes)
    interop.to_transformers(model, variables, str(tmp_path))
    config = launcher.load_config('configs/gpt.py:smoke', overrides(str(tmp_path)))
    kwargs = config.model.kwargs
    assert (kwargs.width, kwargs.max_length, kwargs.layer_norm_epsilon) == (16, 48, 1e-6)
    assert config.data.max_length == 16  # the model's max_length was a reference to it


def test_a_checkpoint_whose_embedding_differs_from_the_data_is_refused_whole(tmp_path):
    """Byte tokens (261 ids) cannot index a 300-row table: an error, not a partial load."""
    model = GPT(vocab_size=300, width=16, depth=2, heads=2, mlp_dim=32, max_length=16)
    shapes = jax.eval_shape(model.init, jax.random.PRNGKey(0), jnp.zeros((1, 16), jnp.int32))
    interop.to_transformers(model, jax.tree.map(lambda s: np.ones(s.shape, s.dtype), shapes),
                            str(tmp_path / 'gpt'))  # fmt: skip
    config = launcher.load_config('configs/gpt.py:smoke', overrides(str(tmp_path / 'gpt')))
    run = loop.Run(config, str(tmp_path / 'run'))
    with pytest.raises(ConfigError) as error:
        run.initial_state()
    assert str(error.value) == (
        f'config.init.source=hf:{tmp_path / "gpt"}: parameter embedding/table has shape [300, 16] '
        'in the checkpoint; the model needs [261, 16]'
    )
