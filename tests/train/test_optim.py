"""Optimizers and schedules from config: warmup rises linearly to lr, decay ends at
lr * end_lr_factor, clipping bounds the update, every named optimizer trains."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from seqlab.config import ConfigError
from seqlab.train import optim


def config(**overrides):
    c = optim.default_config()
    c.update(overrides)
    return c


@pytest.mark.parametrize('schedule', optim.SCHEDULES)
def test_warmup_then_decay(schedule):
    lr = optim.learning_rate(config(lr=0.1, schedule=schedule, end_lr_factor=0.1), 10, 110)
    np.testing.assert_allclose([lr(0), lr(5), lr(10)], [0.0, 0.05, 0.1], rtol=1e-6)
    final = 0.1 if schedule == 'constant' else 0.01
    np.testing.assert_allclose(lr(110), final, rtol=1e-5)
    if schedule == 'cosine':
        np.testing.assert_allclose(lr(60), 0.01 + 0.09 * 0.5, rtol=1e-5)  # half way down
    if schedule == 'linear':
        np.testing.assert_allclose(lr(60), 0.055, rtol=1e-5)


@pytest.mark.parametrize('name', optim.OPTIMIZERS)
def test_every_optimizer_descends_a_quadratic(name):
    lr = 0.5 if name == 'adagrad' else 0.05  # adagrad's steps shrink as 1/sqrt(sum g^2)
    tx = optim.make(config(name=name, lr=lr, warmup='0', weight_decay=0.0), 0, 200)
    params = {'x': jnp.array([3.0, -2.0])}
    state = tx.init(params)
    loss = lambda p: jnp.sum(p['x'] ** 2)  # noqa: E731
    start = loss(params)
    for _ in range(50):
        updates, state = tx.update(jax.grad(loss)(params), state, params)
        params = optax.apply_updates(params, updates)
    assert loss(params) < 0.5 * start


def test_clipping_bounds_the_gradient_norm():
    tx = optim.make(config(name='sgd', lr=1.0, momentum=0.0, clip_norm=1.0, warmup='0'), 0, 10)
    grads = {'x': jnp.array([30.0, 40.0])}
    updates, _ = tx.update(grads, tx.init(grads), grads)
    np.testing.assert_allclose(updates['x'], [-0.6, -0.8], rtol=1e-6)


@pytest.mark.parametrize(
    'overrides, message',
    [
        ({'name': 'lion'}, "config.optim.name='lion' is not allowed"),
        ({'schedule': 'step'}, "config.optim.schedule='step' is not allowed"),
        ({'lr': 0.0}, 'config.optim.lr=0.0 must be positive'),
        ({'accum_steps': 0}, 'config.optim.accum_steps=0 must be >= 1'),
        (
            {'skip_non_finite': -1},
            r'config.optim.skip_non_finite=-1 is not allowed; allowed: an int',
        ),
        ({'skip_non_finite': True}, r'config.optim.skip_non_finite=True is not allowed'),
    ],
)
def test_bad_settings(overrides, message):
    with pytest.raises(ConfigError, match=message):
        optim.check(config(**overrides))


def test_skip_non_finite_drops_a_nan_update_and_keeps_the_state():
    tx = optim.make(config(name='adam', lr=0.1, warmup='0', skip_non_finite=2), 0, 10)
    params = {'x': jnp.array([1.0, 2.0])}
    state = tx.init(params)
    updates, state = tx.update({'x': jnp.array([0.5, -0.5])}, state, params)
    params = optax.apply_updates(params, updates)
    before = (params, state.inner_state)
    for in_a_row in (1, 2, 3):  # optax itself would give up after 3; the loop stops at 3
        updates, state = tx.update({'x': jnp.array([jnp.nan, 1.0])}, state, params)
        params = optax.apply_updates(params, updates)
        assert int(optim.skipped_in_a_row(state)) == in_a_row
        jax.tree.map(np.testing.assert_array_equal, (params, state.inner_state), before)
    updates, state = tx.update({'x': jnp.array([0.5, -0.5])}, state, params)
    assert int(optim.skipped_in_a_row(state)) == 0
    assert optim.skipped_in_a_row(optim.make(config(), 0, 10).init(params)) is None


@pytest.mark.parametrize('name', optim.OPTIMIZERS)
@pytest.mark.parametrize('skip', [0, 2])
def test_schedule_count_is_the_number_of_applied_updates(name, skip):
    tx = optim.make(config(name=name, skip_non_finite=skip, freeze=('b',)), 2, 10)
    params = {'a': jnp.ones(3), 'b': jnp.ones(2)}
    state = tx.init(params)
    assert optim.schedule_count(state) == 0
    for grad in (1.0, 1.0, jnp.nan, 1.0):
        grads = {'a': jnp.full(3, grad), 'b': jnp.ones(2)}
        _, state = tx.update(grads, state, params)
    assert optim.schedule_count(state) == (3 if skip else 4)  # without skipping NaN is applied
