"""Forecaster: no information from the future, autoregressive forecasting, scheduled sampling."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from seqlab.config import ConfigError
from seqlab.models.forecaster import Forecaster, conv_receptive_field, forecast
from seqlab.tasks.forecasting import Forecasting

LENGTH, BATCH = 12, 2
CONV = dict(backbone='conv', channels=8, kernel_size=2, max_dilation=4, repeats=1)  # R = 8


def random_params(model: Forecaster, seed: int = 0) -> dict:
    """N(0, 0.5^2) parameters of the model's shapes (no init compile; the output layer non-zero)."""
    series = jnp.zeros((BATCH, LENGTH))
    shapes = jax.eval_shape(model.init, jax.random.PRNGKey(0), series)['params']
    rng = np.random.default_rng(seed)
    return jax.tree.map(lambda s: jnp.asarray(rng.normal(0, 0.5, s.shape), s.dtype), shapes)


@functools.cache
def network(**kwargs) -> tuple[Forecaster, dict]:
    model = Forecaster(**kwargs)
    return model, random_params(model)


def series(seed: int = 0) -> jax.Array:
    return jnp.asarray(np.random.default_rng(seed).normal(size=(BATCH, LENGTH)), jnp.float32)


@pytest.mark.parametrize(
    'kwargs',
    [CONV, {**CONV, 'difference': True}, dict(backbone='lstm', channels=8), dict(backbone='gru')],
    ids=['conv', 'conv_difference', 'lstm', 'gru'],
)
def test_outputs_never_depend_on_later_inputs(kwargs):
    model, params = network(**kwargs)
    jacobian = jax.jit(jax.jacrev(lambda x: model.apply({'params': params}, x[None])[0]))(
        series()[0]
    )
    upper = np.triu(np.ones((LENGTH, LENGTH), bool), k=1)
    assert not np.any(jacobian[upper]), 'y_t depends on some x_s with s > t'
    assert np.all(np.abs(np.diag(jacobian)) > 0), 'y_t ignores x_t'
    if kwargs['backbone'] == 'conv':
        # The receptive field R = 8 (9 with increments) is exactly the band that matters.
        field = conv_receptive_field(2, 4, 1) + kwargs.get('difference', False)
        lag = np.arange(LENGTH)[:, None] - np.arange(LENGTH)[None, :]
        assert not np.any(jacobian[lag >= field])
        assert np.all(np.abs(jacobian[(lag >= 0) & (lag < field)]) > 0)


def test_scheduled_sampling_in_training_keeps_the_future_out():
    model, params = network(**CONV, sampling='scheduled', sampling_max=1.0, sampling_ramp=1)
    x = series()
    step = jnp.full((BATCH,), 5)

    @jax.jit
    def train_outputs(inputs):
        rngs = {'dropout': jax.random.PRNGKey(3)}
        return model.apply({'params': params}, inputs, step, train=True, rngs=rngs)

    base = train_outputs(x)
    for t in range(LENGTH - 1):
        changed = train_outputs(x.at[:, t + 1 :].add(10.0))
        np.testing.assert_array_equal(changed[:, : t + 1], base[:, : t + 1])


def test_scheduled_sampling_feeds_own_predictions_with_growing_probability():
    model, params = network(**CONV, sampling='scheduled', sampling_max=1.0, sampling_ramp=10)
    x = series(1)
    rngs = {'dropout': jax.random.PRNGKey(0)}

    @functools.partial(jax.jit, static_argnames='train')
    def run(step, train=True):
        steps = jnp.full((BATCH,), step)
        return model.apply({'params': params}, x, steps, train=train, rngs=rngs)

    teacher = run(0, train=False)
    np.testing.assert_array_equal(run(0), teacher)  # p = 0 at the start: teacher forcing
    own = model.apply({'params': params}, x)
    fed_back = jnp.concatenate([x[:, :1], own[:, :-1]], axis=1)  # p = 1 after the ramp
    np.testing.assert_allclose(run(10), model.apply({'params': params}, fed_back), atol=1e-6)
    halfway = np.asarray(run(5))
    assert not np.allclose(halfway, teacher) and not np.allclose(halfway, run(10))


@pytest.mark.parametrize('head', ['shifted', 'pooled'])
def test_autoregressive_forecast_equals_calls_fed_with_own_outputs(head):
    model, params = network(**CONV, head=head, difference=True)
    window, steps = series(2), 5
    got = jax.jit(forecast, static_argnums=(0, 3))(model, params, window, steps)
    expected = []
    apply = jax.jit(lambda x: model.apply({'params': params}, x))
    for _ in range(steps):
        following = apply(window)[:, -1]
        expected.append(following)
        window = jnp.concatenate([window[:, 1:], following[:, None]], axis=1)
    np.testing.assert_allclose(got, jnp.stack(expected, 1), rtol=1e-5, atol=1e-6)


def test_sliding_window_forecast_equals_forecasting_the_growing_series():
    model, params = network(**CONV)  # R = 8 <= the window of 12
    x = series(3)
    got = forecast(model, params, x, 3)
    grown = x
    for k in range(3):
        following = model.apply({'params': params}, grown)[:, -1]
        np.testing.assert_allclose(got[:, k], following, rtol=1e-5, atol=1e-6)
        grown = jnp.concatenate([grown, following[:, None]], axis=1)


def test_pooled_head_forecasts_the_next_value_only():
    model, params = network(**CONV, head='pooled')
    assert model.apply({'params': params}, series()).shape == (BATCH, 1)


@pytest.mark.parametrize(
    ('kwargs', 'message'),
    [
        ({'backbone': 'transformer'}, r"backbone='transformer' is not allowed; allowed: conv"),
        ({'sampling': 'scheduled', 'head': 'pooled'}, r"allowed with head='shifted' only"),
        ({'sampling_max': 1.5}, r'sampling_max=1.5 is not allowed; allowed: a number in \[0, 1\]'),
        ({'max_dilation': 6}, r'max_dilation=6 must be a power of two'),
        ({'max_dilation': 64}, r'receptive field 128 .* exceeds config.data.context=100'),
    ],
)
def test_check_names_the_bad_setting(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        Forecaster.check(kwargs, (100,))


def test_task_trains_on_shifted_targets_and_scores_observed_steps_in_data_units():
    batch = {
        'context': jnp.array([[0.0, 1.0, 2.0], [5.0, 5.0, 5.0]]),
        'target': jnp.array([[3.0, 9.0], [7.0, 9.0]]),
        'target_observed': jnp.array([[True, True], [False, True]]),
        'scale': jnp.array([10.0, 10.0]),
        'mask': jnp.array([1.0, 1.0]),
    }
    outputs = jnp.array([[1.0, 2.0, 3.5], [5.0, 5.0, 5.0]])  # perfect but for 0.5 at the end
    loss, metrics = Forecasting().loss(outputs, batch)
    np.testing.assert_allclose(loss, (0.25 / 3 + 4 / 3) / 2)
    assert [float(v) for v in metrics['mae']] == [5.0, 1.0]  # the unobserved step is skipped
    pooled_loss, _ = Forecasting().loss(outputs[:, -1:], batch)
    np.testing.assert_allclose(pooled_loss, (0.25 + 4) / 2)
