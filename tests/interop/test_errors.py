"""Bad checkpoints and unexportable models give one-line errors naming the value and what is
supported; nothing is loaded partially. Checkpoints here are written by seqlab itself (no torch)."""

import json
import pathlib
import shutil

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from seqlab import interop
from seqlab.models.gpt import GPT
from seqlab.models.mixer import Mixer
from seqlab.models.vit import ViT

GPT_MODEL = GPT(vocab_size=11, width=8, depth=2, heads=2, mlp_dim=16, max_length=8)


@pytest.fixture(scope='module')
def written(tmp_path_factory):
    """(directory, variables) of a tiny GPT-2 written by to_transformers."""
    variables = jax.jit(GPT_MODEL.init)(jax.random.PRNGKey(0), jnp.zeros((1, 8), jnp.int32))
    path = tmp_path_factory.mktemp('gpt2')
    interop.to_transformers(GPT_MODEL, variables, str(path))
    return path, variables


@pytest.fixture
def checkpoint(written, tmp_path):
    """A copy of the written directory for one test to edit."""
    return pathlib.Path(shutil.copytree(written[0], tmp_path / 'checkpoint'))


def edit_config(path, **changes):
    config = json.loads((path / 'config.json').read_text())
    (path / 'config.json').write_text(json.dumps({**config, **changes}))


def edit_tensors(path, edit):
    tensors = load_file(path / 'model.safetensors')
    edit(tensors)
    save_file(tensors, path / 'model.safetensors', metadata={'format': 'pt'})


def load_error(path) -> str:
    with pytest.raises(interop.InteropError) as error:
        interop.from_transformers(str(path))
    assert '\n' not in str(error.value)
    return str(error.value)


def test_the_written_checkpoint_loads_unchanged(checkpoint, written):
    model, variables = interop.from_transformers(str(checkpoint))
    assert model == GPT_MODEL
    jax.tree.map(np.testing.assert_array_equal, variables, written[1])


def test_unsupported_architecture_names_the_supported_ones(checkpoint):
    edit_config(checkpoint, architectures=['BertForSequenceClassification'])
    message = load_error(checkpoint)
    assert "'BertForSequenceClassification' is not supported" in message
    assert 'GPT2LMHeadModel' in message and 'ViTForImageClassification' in message


def test_unsupported_config_value_names_it_and_the_supported_ones(checkpoint):
    edit_config(checkpoint, activation_function='relu')
    assert load_error(checkpoint) == (
        "config.json activation_function='relu' is not supported; "
        "supported: 'gelu_new', 'gelu_pytorch_tanh', 'gelu'"
    )


def test_missing_tensor_is_named_with_its_shape(checkpoint):
    edit_tensors(checkpoint, lambda t: t.pop('transformer.h.1.mlp.c_fc.bias'))
    assert load_error(checkpoint) == 'missing tensor transformer.h.1.mlp.c_fc.bias (shape [16])'


def test_extra_tensor_is_named(checkpoint):
    edit_tensors(checkpoint, lambda t: t.update({'transformer.h.0.attn.rotary': np.ones(3)}))
    assert load_error(checkpoint).startswith('unexpected tensor transformer.h.0.attn.rotary [3]')


def test_wrongly_shaped_tensor_names_both_shapes(checkpoint):
    edit_tensors(checkpoint, lambda t: t.update({'transformer.wte.weight': np.ones((12, 8))}))
    assert load_error(checkpoint) == (
        'tensor transformer.wte.weight has shape [12, 8]; the model needs [11, 8]'
    )


def test_causal_mask_buffers_of_old_checkpoints_are_ignored(checkpoint, written):
    edit_tensors(
        checkpoint, lambda t: t.update({'transformer.h.0.attn.bias': np.ones((1, 1, 8, 8))})
    )
    model, variables = interop.from_transformers(str(checkpoint))
    assert model == GPT_MODEL
    jax.tree.map(np.testing.assert_array_equal, variables, written[1])


def test_base_model_names_and_old_layer_norm_names_load(checkpoint, written):
    """GPT-2's own checkpoint names tensors 'h.0.ln_1.weight'; old ones use gamma / beta."""

    def rename(tensors):
        for name in list(tensors):
            new = name.removeprefix('transformer.')
            if '.ln_' in new:
                new = new.replace('.weight', '.gamma').replace('.bias', '.beta')
            tensors[new] = tensors.pop(name)

    edit_tensors(checkpoint, rename)
    _, variables = interop.from_transformers(str(checkpoint))
    jax.tree.map(np.testing.assert_array_equal, variables, written[1])


def test_missing_weights_file_is_named(checkpoint):
    (checkpoint / 'model.safetensors').unlink()
    assert 'model.safetensors does not exist' in load_error(checkpoint)


def test_truncated_weights_file_is_named(checkpoint):
    """An interrupted download or copy: the file holds only its first half."""
    weights = checkpoint / 'model.safetensors'
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    assert load_error(checkpoint) == (
        f'{weights} cannot be read: Error while deserializing header: incomplete metadata, file '
        'not fully covered (truncated or corrupt? copy or download it again)'
    )


def test_config_json_that_is_not_json_is_named(checkpoint):
    (checkpoint / 'config.json').write_text('{"architectures": ["GPT2LMHeadModel"],')
    assert load_error(checkpoint).startswith(f'{checkpoint / "config.json"} cannot be read: ')


@pytest.mark.parametrize(
    'model, inputs, message',
    [
        (
            GPT_MODEL.clone(position='sinusoidal'),
            jnp.zeros((1, 8), jnp.int32),
            "GPT with position='sinusoidal' cannot be exported as GPT2LMHeadModel; "
            "supported: 'learned'",
        ),
        (
            GPT_MODEL.clone(norm='post_ln'),
            jnp.zeros((1, 8), jnp.int32),
            "GPT with norm='post_ln' cannot be exported as GPT2LMHeadModel; supported: 'pre_ln'",
        ),
        (
            ViT(num_classes=3, width=8, depth=1, heads=2, mlp_dim=8, pool='mean'),
            jnp.zeros((1, 8, 8, 1)),
            "ViT with pool='mean' cannot be exported as ViTForImageClassification; "
            "supported: 'cls'",
        ),
        (
            ViT(num_classes=3, width=8, depth=1, heads=2, mlp_dim=8),
            jnp.zeros((1, 8, 4, 1)),
            'ViT with 2 patches cannot be exported as ViTForImageClassification; '
            'supported: square images (a square number of patches)',
        ),
        (
            Mixer(num_classes=3, width=8, depth=1),
            jnp.zeros((1, 8, 8, 1)),
            'Mixer cannot be exported to transformers; supported: BERT, GPT, ViT',
        ),
    ],
)
def test_unexportable_models_say_why(model, inputs, message, tmp_path):
    variables = jax.eval_shape(model.init, jax.random.PRNGKey(0), inputs)  # checked before use
    with pytest.raises(interop.InteropError) as error:
        interop.to_transformers(model, variables, str(tmp_path))
    assert str(error.value) == message
    assert not any(tmp_path.iterdir())
