"""The jitted train step: gradient accumulation equals the large-batch step, padded examples
never change the update, and the step is a pure function of (state, batch)."""

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from seqlab.models.vit import ViT
from seqlab.tasks.classification import Classification
from seqlab.train import loop, optim
from seqlab.train import state as state_lib


def setup(dropout=0.0):
    model = ViT(num_classes=3, patch=2, width=16, depth=2, heads=2, mlp_dim=32, dropout=dropout)
    plan = ml_collections.ConfigDict()  # only .model and .task are read by make_train_step
    plan.model, plan.task = model, Classification()
    sgd = optim.default_config()
    sgd.update(name='sgd', momentum=0.0, clip_norm=0.0, lr=1.0)  # update = -gradient
    tx = optim.make(sgd, 0, 100)
    rng = np.random.default_rng(0)
    batch = {
        'image': rng.random((8, 4, 4, 1), dtype=np.float32),
        'label': rng.integers(0, 3, 8).astype(np.int32),
        'mask': np.array([1, 1, 1, 1, 1, 1, 0, 0], np.float32),
    }
    state = state_lib.create(model, tx, (batch['image'][:1],), seed=0)
    return plan, state, batch


def step(plan, state, batch, accum_steps=1):
    return jax.jit(loop.make_train_step(plan, accum_steps))(state, batch)


def test_accumulation_equals_large_batch():
    plan, state, batch = setup()
    # A non-zero head, so that every layer gets a gradient (the zero-initialised one blocks them).
    head = jax.tree.map(
        lambda p: p + 0.3 * jnp.cos(jnp.arange(p.size).reshape(p.shape)),
        {'head': state.params['head']},
    )
    state = state.replace(params={**state.params, **head})
    big, big_metrics = step(plan, state, batch)
    accumulated, metrics = step(plan, state, batch, accum_steps=2)
    moved = big.params['patch_embedding']['kernel'] - state.params['patch_embedding']['kernel']
    assert np.abs(moved).max() > 1e-3  # the first layer too: the comparison covers the network
    for a, b in zip(jax.tree.leaves(big.params), jax.tree.leaves(accumulated.params), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_allclose(metrics['loss'][0], big_metrics['loss'][0], rtol=1e-5)
    assert float(metrics['loss'][1]) == 6.0  # padded examples are not counted


def test_padded_examples_do_not_change_the_update():
    plan, state, batch = setup()
    other = dict(batch, image=batch['image'].copy(), label=batch['label'].copy())
    other['image'][6:] = 123.0
    other['label'][6:] = 2 - other['label'][6:]
    train_step = jax.jit(loop.make_train_step(plan, 1))  # compiled once, for both batches
    a, _ = train_step(state, batch)
    b, _ = train_step(state, other)
    for x, y in zip(jax.tree.leaves(a.params), jax.tree.leaves(b.params), strict=True):
        np.testing.assert_array_equal(x, y)


def test_dropout_rng_is_folded_with_the_step():
    plan, state, batch = setup(dropout=0.5)
    train_step = jax.jit(loop.make_train_step(plan, 1))  # compiled once for every call below
    state, _ = train_step(state, batch)  # the zero-initialised head makes step 0 dropout-blind
    _, metrics_1 = train_step(state, batch)
    _, metrics_2 = train_step(state, batch)
    np.testing.assert_array_equal(metrics_1['loss'][0], metrics_2['loss'][0])  # deterministic
    _, metrics_3 = train_step(state.replace(step=jnp.asarray(7, state.step.dtype)), batch)
    assert float(metrics_3['loss'][0]) != float(metrics_1['loss'][0])  # another dropout mask
