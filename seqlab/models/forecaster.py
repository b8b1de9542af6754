"""Causal forecasters trained with shifted targets: y_hat_t predicts x_{t+1} from x_1 .. x_t.

backbone 'conv': WaveNet-style gated dilated causal convolutions (`seqlab.layers.dilated`) with
  dilations 1, 2, .., max_dilation (`repeats` times), receptive field R = 1 + (K - 1) sum(d);
  'lstm' / 'gru': `rnn_layers` recurrent layers (`seqlab.layers.recurrent`).
head 'shifted': y_hat_t = g(features_t) at every step -> [B, T];
  'pooled': y_hat = g(mean_t features_t), the forecast of x_{T+1} alone -> [B, 1];
  g(f) = W_2 relu(W_1 relu(f)), W_2 starting at zero.
difference=True: the network sees increments d_t = x_t - x_{t-1} (d_1 = 0) and forecasts
  x_{t+1} = x_t + g_t, which frees it from the level (the I of ARIMA).
Training feeds the true inputs (teacher forcing) or, with sampling='scheduled', uses scheduled
sampling (Bengio et al. 2015) in its parallel form (Mihaylova & Martins 2019): a first pass
without gradient predicts every x_t; each input x_t, t > 1, is replaced by that prediction with
probability p = sampling_max * min(1, step / sampling_ramp), growing over training; a second pass
on the mixed inputs gives the outputs. Either way y_hat_t depends on x_1 .. x_t only.
`forecast(model, params, series, steps)` forecasts autoregressively on a sliding window.
series [B, T] standardised, step [B] int (the train step) -> [B, T] or [B, 1].
"""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from seqlab.config import ConfigError
from seqlab.layers.conv import dilated_receptive_field, wavenet_dilations
from seqlab.layers.dense import Linear
from seqlab.layers.dilated import DilatedStack
from seqlab.layers.recurrent import Recurrent
from seqlab.models import checks

BACKBONES = ('conv', 'lstm', 'gru')
HEADS = ('shifted', 'pooled')
SAMPLINGS = ('teacher_forcing', 'scheduled')


def increments(series: jax.Array) -> jax.Array:
    """d_t = x_t - x_{t-1}, d_1 = 0. series [B, T] -> [B, T]."""
    return jnp.concatenate([jnp.zeros_like(series[:, :1]), jnp.diff(series, axis=1)], axis=1)


def sampling_probability(step: jax.Array, sampling_max: float, sampling_ramp: int) -> jax.Array:
    """p = sampling_max * min(1, step / sampling_ramp). step [B] -> [B]."""
    return sampling_max * jnp.clip(step.astype(jnp.float32) / sampling_ramp, 0.0, 1.0)


def conv_receptive_field(kernel_size: int, max_dilation: int, repeats: int) -> int:
    return dilated_receptive_field(kernel_size, wavenet_dilations(max_dilation, repeats))


class Forecaster(nn.Module):
    backbone: str = 'conv'
    head: str = 'shifted'
    channels: int = 32
    kernel_size: int = 2
    max_dilation: int = 32
    repeats: int = 1
    rnn_layers: int = 1
    difference: bool = False
    sampling: str = 'teacher_forcing'
    sampling_max: float = 0.5
    sampling_ramp: int = 1000
    dtype: str = 'float32'

    @classmethod
    def check(cls, kwargs: dict, input_shape: tuple) -> None:
        """Known choices; scheduled sampling needs the shifted head; R fits the context."""
        model = checks.settings(cls, kwargs)
        for key, allowed in (('backbone', BACKBONES), ('head', HEADS), ('sampling', SAMPLINGS)):
            checks.one_of(model, key, allowed)
        if model.sampling == 'scheduled' and model.head == 'pooled':
            raise ConfigError(
                "config.model.kwargs.sampling='scheduled' needs per-step predictions to feed back; "
                "allowed with head='shifted' only"
            )
        if not 0.0 <= model.sampling_max <= 1.0:
            raise ConfigError(
                f'config.model.kwargs.sampling_max={model.sampling_max!r} is not allowed; '
                'allowed: a number in [0, 1]'
            )
        checks.int_at_least(model, 'sampling_ramp', 1)
        if model.backbone != 'conv':
            return
        try:
            field = conv_receptive_field(model.kernel_size, model.max_dilation, model.repeats)
        except ValueError as error:
            raise ConfigError(f'config.model.kwargs: {error}') from None
        if field > input_shape[0]:
            raise ConfigError(
                f'the receptive field {field} (kernel_size={model.kernel_size}, '
                f'max_dilation={model.max_dilation}, repeats={model.repeats}) exceeds '
                f'config.data.context={input_shape[0]}; allowed: a receptive field <= the context'
            )

    def setup(self):
        dtype = jnp.dtype(self.dtype)
        if self.backbone == 'conv':
            self.layers = [
                DilatedStack(
                    self.channels, self.kernel_size, self.max_dilation, self.repeats, dtype=dtype
                )
            ]
        else:
            self.layers = [
                Recurrent(self.channels, self.backbone, dtype=dtype) for _ in range(self.rnn_layers)
            ]
        self.hidden = Linear(self.channels, dtype=dtype)
        self.out = Linear(1, kernel_init=nn.initializers.zeros)

    def features(self, series: jax.Array) -> jax.Array:
        """Causal features: features_t depends on x_1 .. x_t. [B, T] -> [B, T, channels]."""
        x = (increments(series) if self.difference else series)[..., None]
        if self.backbone == 'conv':
            return self.layers[0](x)[1]  # the skip sum
        for layer in self.layers:
            x = layer(x)[0]
        return x

    def predict(self, series: jax.Array) -> jax.Array:
        """One pass of the network: [B, T] -> [B, T] (shifted) or [B, 1] (pooled)."""
        features = self.features(series)
        if self.head == 'pooled':
            features = features.mean(axis=1, keepdims=True)
        g = self.out(jax.nn.relu(self.hidden(jax.nn.relu(features))))[..., 0]
        g = g.astype(jnp.float32)
        if not self.difference:
            return g
        last = series if self.head == 'shifted' else series[:, -1:]
        return last + g

    def __call__(
        self, series: jax.Array, step: jax.Array | None = None, *, train: bool = False
    ) -> jax.Array:
        if not (train and self.sampling == 'scheduled'):
            return self.predict(series)
        if step is None:
            raise ValueError("sampling='scheduled' needs the train step as the second input")
        own = jax.lax.stop_gradient(self.predict(series))  # own[:, t] predicts x_{t+1}
        previous = jnp.concatenate([series[:, :1], own[:, :-1]], axis=1)  # predictions of x_t
        p = sampling_probability(step, self.sampling_max, self.sampling_ramp)
        feed = jax.random.bernoulli(self.make_rng('dropout'), p[:, None], series.shape)
        feed = feed.at[:, 0].set(False)
        return self.predict(jnp.where(feed, previous, series))


def forecast(model: Forecaster, params: Any, series: jax.Array, steps: int) -> jax.Array:
    """x_hat_{T+1}, .., x_hat_{T+steps}: each forecast is appended to the window, which drops its
    oldest value, and fed back. Equals `steps` calls of the model on its own outputs; with a
    receptive field R <= T it equals forecasting on the growing series. [B, T] -> [B, steps]."""

    def one_step(window, _):
        following = model.apply({'params': params}, window)[:, -1]
        return jnp.concatenate([window[:, 1:], following[:, None]], axis=1), following

    _, forecasts = jax.lax.scan(one_step, series, length=steps)
    return forecasts.T
