"""Mixed precision and rematerialisation as config options of the transformer models.

dtype='bfloat16' computes in bfloat16 while parameters, optimizer state, logits and the loss stay
float32, and the loss is close to float32's; remat ('full', 'dots', 'dots_saveable') recomputes
activations in the backward pass and gives the gradients of remat='none', compared on unrolled
stacks (under nn.scan remat='none' itself keeps only matmul outputs; that, and each policy's
placement on every block, is tested in tests/layers/test_transformer.py)."""

import functools
import os
import re

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest

from seqlab import launcher
from seqlab.models.gpt import GPT
from seqlab.models.text_transformer import TextTransformer
from seqlab.models.vit import ViT
from seqlab.tasks.classification import Classification
from seqlab.train import loop, optim, preflight
from seqlab.train import state as state_lib
from tests.conftest import REPO

RNG = np.random.default_rng(0)
IMAGES = RNG.random((4, 4, 4, 1), dtype=np.float32)
TOKENS = RNG.integers(1, 16, (4, 6)).astype(np.int32)
MODELS = {
    'vit': (ViT, dict(num_classes=3, patch=2, width=16, depth=2, heads=2, mlp_dim=32), IMAGES),
    'gpt': (GPT, dict(vocab_size=16, width=16, depth=2, heads=2, mlp_dim=32), TOKENS),
    'text': (
        TextTransformer,
        dict(num_classes=3, vocab_size=16, width=16, depth=2, heads=2, mlp_dim=32),
        TOKENS,
    ),
}


@functools.cache
def initial_params(name: str, **layout):
    """Float32 parameters of MODELS[name] with `layout` (scan: stacked or per block), heads made
    non-zero; one jitted program, computed once for the tests that share it."""
    model_class, kwargs, inputs = MODELS[name]

    def init():
        params = model_class(**kwargs, **layout).init(jax.random.PRNGKey(0), inputs)['params']
        return jax.tree.map(
            lambda p: p + 0.05 * jnp.sin(jnp.arange(p.size).reshape(p.shape)), params
        )

    return jax.jit(init)()


def params_and_loss(name: str, **options):
    """Float32 parameters (heads made non-zero) and a float32 loss function of them."""
    model_class, kwargs, inputs = MODELS[name]
    model = model_class(**kwargs, **options)
    params = initial_params(name, **{key: options[key] for key in ('scan',) if key in options})

    def loss(params):
        logits = model.apply({'params': params}, inputs)
        assert logits.dtype == jnp.float32
        return jnp.mean(jax.nn.log_softmax(logits)[..., 0] ** 2)

    return params, loss


@pytest.mark.parametrize('name', MODELS)
def test_bfloat16_compute_is_close_to_float32(name):
    params, loss_32 = params_and_loss(name)
    _, loss_16 = params_and_loss(name, dtype='bfloat16')
    value_32, value_16 = float(jax.jit(loss_32)(params)), float(jax.jit(loss_16)(params))
    assert value_16 != value_32  # the option reaches the computation
    np.testing.assert_allclose(value_16, value_32, rtol=3e-2)
    jaxpr = str(jax.make_jaxpr(loss_16)(params))
    assert 'bf16' in jaxpr and 'dot_general' in jaxpr


def test_bfloat16_train_step_keeps_float32_parameters_and_optimizer_state():
    model = ViT(**MODELS['vit'][1], dtype='bfloat16')
    plan = ml_collections.ConfigDict()
    plan.model, plan.task = model, Classification()
    tx = optim.make(optim.default_config(), 0, 10)
    state = jax.jit(lambda: state_lib.create(model, tx, (IMAGES[:1],), seed=0))()
    batch = {'image': IMAGES, 'label': np.arange(4) % 3, 'mask': np.ones(4, np.float32)}
    state, metrics = jax.jit(loop.make_train_step(plan, accum_steps=1))(state, batch)
    assert metrics['loss'][0].dtype == jnp.float32
    floats = [leaf for leaf in jax.tree.leaves(state) if jnp.issubdtype(leaf.dtype, jnp.floating)]
    assert floats and all(leaf.dtype == jnp.float32 for leaf in floats)


@functools.cache
def plain_gradients(name: str):
    params, plain = params_and_loss(name, scan=False)
    assert 'remat' not in ''.join(primitives(plain, params))
    return params, jax.jit(jax.grad(plain))(params)


@pytest.mark.parametrize(
    ('name', 'remat'), [('vit', 'full'), ('vit', 'dots_saveable'), ('gpt', 'dots')]
)
def test_remat_gives_the_same_gradients(name, remat):
    params, expected = plain_gradients(name)
    _, rematted = params_and_loss(name, scan=False, remat=remat)
    assert 'remat2' in primitives(rematted, params)  # jax.checkpoint's primitive
    got = jax.jit(jax.grad(rematted))(params)
    assert any(
        float(jnp.abs(g).max()) > 0
        for g in jax.tree.leaves(expected['decoder' if name == 'gpt' else 'encoder'])
    )
    for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(expected), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def primitives(fn, *args) -> set[str]:
    """Names of the primitives in the jaxpr of fn(*args), nested jaxprs included."""
    return set(re.findall(r'= (\w+)\[', str(jax.make_jaxpr(fn)(*args))))


def forward_jaxpr(name: str, tmp_path, **overrides) -> str:
    """The jaxpr of the smoke config's model applied to one batch of its data."""
    config = launcher.load_config(os.path.join(REPO, f'configs/{name}.py:smoke'), overrides)
    preflight.check_names(config)  # the model takes the options
    plan = preflight.prepare(config, str(tmp_path / 'w'))
    inputs = plan.task.inputs(jax.tree.map(lambda x: x[:2], plan.splits.eval[0]))
    variables = jax.eval_shape(lambda: plan.model.init(jax.random.PRNGKey(0), *inputs))
    return str(jax.make_jaxpr(lambda v: plan.model.apply(v, *inputs))(variables))


@pytest.mark.parametrize(
    'name', ['vit', 'gpt', 'text_transformer', 'audio_transformer', 'graphormer', 'karate']
)
def test_transformer_configs_compute_in_the_dtype_they_are_given(name, tmp_path):
    """Through each config (not only the model classes above): with dtype='bfloat16' and remat the
    forward pass multiplies bfloat16 matrices; the float32 default multiplies none."""
    bf16 = forward_jaxpr(
        name, tmp_path, **{'model.kwargs.dtype': 'bfloat16', 'model.kwargs.remat': 'dots_saveable'}
    )
    f32 = forward_jaxpr(name, tmp_path)
    dots = lambda jaxpr: re.findall(r'bf16\[[\d,]*\] = dot_general', jaxpr)  # noqa: E731
    assert dots(bf16), f'{name}: no bfloat16 matrix product'
    assert not dots(f32), f'{name}: bfloat16 products by default'
