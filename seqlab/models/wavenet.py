"""WaveNet (van den Oord et al. 2016): the distribution of the next µ-law sample given the past.

    h^0_t = E[q_t]                                      embedding of the µ-law class q_t
    for layer l with dilation d_l in (1, 2, 4, ..., max_dilation) x stacks:
        a_t = Σ_{j<K} W_l[j] h^l_{t - (K-1-j) d_l} + b_l + V_l c     causal conv, [2C]
        z_t = tanh(a_t[:C]) ⊙ σ(a_t[C:])                gated activation unit
        h^{l+1}_t = h^l_t + R_l z_t,   s_t += S_l z_t    residual and skip 1x1 projections
    logits_t = W_o relu(W_s relu(s_t) + b_s) + b_o      [levels], predicts q_{t+1}

c is the one-hot label (global conditioning, when num_labels > 0). h^l is zero before t = 0 in
every layer. Receptive field: 1 + (K - 1) Σ_l d_l samples.

`step` is Fast WaveNet (Paine et al. 2016): each layer keeps a queue of its last (K - 1) d_l
inputs, so one new sample costs O(layers) instead of a pass over the receptive field.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp

from seqlab.config import ConfigError
from seqlab.layers.conv import causal_conv1d, dilated_receptive_field, wavenet_dilations
from seqlab.layers.dense import Linear
from seqlab.models import checks

Cache = tuple[jax.Array, list[jax.Array]]  # (time t, per-layer queues [B, (K-1) d_l, C])


class WaveNet(nn.Module):
    levels: int = 256
    num_labels: int = 0
    channels: int = 32
    skip_channels: int = 64
    kernel_size: int = 2
    max_dilation: int = 512
    stacks: int = 2
    dtype: str = 'float32'  # compute dtype; parameters, normalisation statistics and logits float32

    @classmethod
    def check(cls, kwargs: dict, input_shape: tuple) -> None:
        """Dilations 1, 2, ..., max_dilation (a power of two) per stack; a causal kernel."""
        model = checks.settings(cls, kwargs)
        try:
            wavenet_dilations(model.max_dilation, model.stacks)
        except ValueError as error:
            raise ConfigError(f'config.model.kwargs: {error}') from None
        checks.int_at_least(model, 'kernel_size', 2, ' (a causal convolution)')

    @property
    def dilations(self) -> list[int]:
        return wavenet_dilations(self.max_dilation, self.stacks)

    @property
    def receptive_field(self) -> int:
        return dilated_receptive_field(self.kernel_size, self.dilations)

    def setup(self):
        width, layers = self.channels, len(self.dilations)
        self.embed = nn.Embed(self.levels, width)
        if self.num_labels:
            self.condition = nn.Embed(self.num_labels, layers * 2 * width)
        self.kernels = [
            self.param(
                f'conv_{l}', nn.initializers.lecun_normal(), (self.kernel_size, width, 2 * width)
            )
            for l in range(layers)
        ]
        self.biases = [
            self.param(f'bias_{l}', nn.initializers.zeros, (2 * width,)) for l in range(layers)
        ]
        dtype = jnp.dtype(self.dtype)
        self.residual = [Linear(width, dtype=dtype) for _ in range(layers)]
        self.skip = [Linear(self.skip_channels, dtype=dtype) for _ in range(layers)]
        self.hidden = Linear(self.skip_channels, dtype=dtype)
        self.output = Linear(self.levels, dtype=dtype)

    def conditions(self, labels: jax.Array) -> jax.Array | None:
        """V_l c for every layer: [B] -> [B, layers, 2C] (None when unconditional)."""
        if not self.num_labels:
            return None
        return self.condition(labels).reshape(labels.shape[0], len(self.dilations), -1)

    def gate(self, layer: int, a: jax.Array) -> tuple[jax.Array, jax.Array]:
        """(residual R z, skip S z) of z = tanh(a_f) ⊙ σ(a_g)."""
        filters, gates = jnp.split(a, 2, axis=-1)
        z = jnp.tanh(filters) * jax.nn.sigmoid(gates)
        return self.residual[layer](z), self.skip[layer](z)

    def head(self, skip: jax.Array) -> jax.Array:
        return self.output(nn.relu(self.hidden(nn.relu(skip)))).astype(jnp.float32)

    def __call__(self, tokens: jax.Array, labels: jax.Array, *, train: bool = False) -> jax.Array:
        """tokens [B, T] int, labels [B] int -> logits [B, T, levels] (logits[:, t] predicts t+1)."""
        return self.network(self.embed(tokens).astype(jnp.dtype(self.dtype)), labels)

    def network(self, h: jax.Array, labels: jax.Array) -> jax.Array:
        """The layers after the embedding: h^0 [B, T, C] -> logits [B, T, levels]."""
        return self.head(self.skip_sum(h, labels))

    def skip_sum(self, h: jax.Array, labels: jax.Array) -> jax.Array:
        """Σ_l S_l z^l: h^0 [B, T, C] -> [B, T, skip_channels]."""
        skip = 0.0
        conditions = self.conditions(labels)
        for layer, dilation in enumerate(self.dilations):
            a = causal_conv1d(h, self.kernels[layer], self.biases[layer], dilation)
            if conditions is not None:
                a = a + conditions[:, None, layer]
            residual, skipped = self.gate(layer, a)
            h, skip = h + residual, skip + skipped
        return skip

    def cache(self, batch: int) -> Cache:
        """Time 0 and empty (zero) queues: the zero padding before the first sample."""
        length = self.kernel_size - 1
        return jnp.zeros((), jnp.int32), [
            jnp.zeros((batch, length * d, self.channels), self.dtype) for d in self.dilations
        ]

    def step(self, token: jax.Array, labels: jax.Array, cache: Cache) -> tuple[jax.Array, Cache]:
        """One sample: token [B] at time t -> (logits [B, levels] for t + 1, cache at t + 1).

        Queue l is a ring buffer: h^l_s sits in slot s mod (K - 1) d_l until time s + (K - 1) d_l.
        """
        t, queues = cache
        h, skip = self.embed(token).astype(jnp.dtype(self.dtype)), 0.0
        conditions = self.conditions(labels)
        updated = []
        for layer, dilation in enumerate(self.dilations):
            queue = queues[layer]
            slots = queue.shape[1]
            lags = [(self.kernel_size - 1 - j) * dilation for j in range(self.kernel_size - 1)]
            taps = [jnp.take(queue, (t - lag) % slots, axis=1) for lag in lags] + [h]
            a = jnp.einsum('jbc,jco->bo', jnp.stack(taps), self.kernels[layer]) + self.biases[layer]
            if conditions is not None:
                a = a + conditions[:, layer]
            updated.append(jax.lax.dynamic_update_index_in_dim(queue, h, t % slots, axis=1))
            residual, skipped = self.gate(layer, a)
            h, skip = h + residual, skip + skipped
        return self.head(skip), (t + 1, updated)
