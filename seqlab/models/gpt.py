"""GPT: a causal transformer language model, its output layer tied to the input embedding.

x_t = E[w_t] + P[t]  ->  L causal decoder blocks (pre-LN by default)  ->  logits_t = x_t E^T,
logits_t scoring w_{t+1} given w_{<=t}. P is learned ([max_length, D]) or sinusoidal. With
tie_embedding=False the output layer is its own matrix W [D, vocab_size]: logits_t = x_t W.
GPT-2 (Radford et al. 2019) is this model with gelu_approximate=True, layer_norm_epsilon=1e-5.
tokens: int32 [batch, length <= max_length] -> logits float32 [batch, length, vocab_size].
`dtype` is the compute dtype of the decoder and output layer (parameters stay float32); `remat`
and `scan` are the decoder's (see seqlab/layers/decoder.py).

`generate` samples continuations with the decoder's KV cache: the prompt is run once, then one
token per step attends to the cached keys and values of everything before it.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp

from seqlab.layers.decoder import Decoder
from seqlab.layers.embed import TokenEmbedding
from seqlab.layers.position import sinusoidal
from seqlab.models import checks
from seqlab.models.transformer_model import TransformerModel, check_blocks

POSITIONS = ('learned', 'sinusoidal')


class GPT(TransformerModel):
    """The block settings (dropout, attention, norm, scan, remat, dtype, ...) are TransformerModel's."""

    vocab_size: int
    width: int = 256
    depth: int = 4
    heads: int = 4
    mlp_dim: int = 1024
    max_length: int = 256
    position: str = 'learned'
    tie_embedding: bool = True
    decode: bool = False

    @classmethod
    def check(cls, kwargs: dict, input_shape: tuple) -> None:
        """Known positions and norm placement; the data's windows must fit max_length."""
        model = checks.settings(cls, kwargs)
        checks.one_of(model, 'position', POSITIONS)
        check_blocks(model)
        checks.max_length_fits(model.max_length, {'max_length': input_shape[0]})

    @nn.compact
    def __call__(
        self, tokens: jax.Array, positions: jax.Array | None = None, *, train: bool = False
    ) -> jax.Array:
        """positions: int [length] (default 0..length-1; decoding passes the cache offset)."""
        length = tokens.shape[1]
        if positions is None:
            if length > self.max_length:
                raise ValueError(
                    f'sequence length {length} > max_length={self.max_length}; raise max_length'
                )
            positions = jnp.arange(length)
        embedding = TokenEmbedding(self.vocab_size, self.width, name='embedding')
        if self.position == 'learned':
            table = self.param(
                'position', nn.initializers.normal(0.02), (self.max_length, self.width)
            )
        else:
            table = sinusoidal(self.max_length, self.width)
        x = embedding(tokens) + table[positions][None]
        x = nn.Dropout(self.dropout)(x, deterministic=not train)
        decoder = self.block_stack(Decoder, self.depth, decode=self.decode, name='decoder')
        x = decoder(x, train=train)
        if self.tie_embedding:
            return embedding.attend(x).astype(jnp.float32)
        return nn.Dense(self.vocab_size, use_bias=False, name='head')(x).astype(jnp.float32)


def sample(logits: jax.Array, rng: jax.Array, temperature: float, top_k: int) -> jax.Array:
    """Next ids from logits [B, V]: argmax when temperature == 0, else softmax(logits / T)
    restricted to the top_k largest (top_k = 0: all). -> int32 [B]."""
    if temperature == 0.0:
        return logits.argmax(-1).astype(jnp.int32)
    logits = logits / temperature
    if top_k > 0:
        kth = jax.lax.top_k(logits, top_k)[0][:, -1:]
        logits = jnp.where(logits < kth, -jnp.inf, logits)
    return jax.random.categorical(rng, logits).astype(jnp.int32)


def generate(
    model: GPT,
    params: dict,
    prompt_ids: jax.Array,
    steps: int,
    temperature: float = 1.0,
    top_k: int = 0,
    rng: jax.Array | None = None,
) -> jax.Array:
    """Appends `steps` sampled ids to each prompt (temperature 0: greedy).

    prompt_ids: int [B, P] with P + steps <= max_length -> int32 [B, steps].
    """
    batch, prompt_length = prompt_ids.shape
    total = prompt_length + steps
    if steps < 1 or total > model.max_length:
        raise ValueError(
            f'prompt length {prompt_length} + steps {steps} must be in [{prompt_length + 1}, '
            f'max_length={model.max_length}]'
        )
    if temperature < 0:
        raise ValueError(f'temperature={temperature} is not allowed; allowed: >= 0')
    rng = jax.random.PRNGKey(0) if rng is None else rng
    decoder = model.clone(decode=True)
    shapes = jax.eval_shape(decoder.init, rng, jnp.zeros((batch, total), jnp.int32))['cache']
    cache = jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), shapes)

    def run(cache, ids, start):
        logits, updated = decoder.apply(
            {'params': params, 'cache': cache},
            ids,
            start + jnp.arange(ids.shape[1]),
            mutable=['cache'],
        )
        return logits[:, -1], updated['cache']

    logits, cache = run(cache, prompt_ids.astype(jnp.int32), 0)
    first = sample(logits, jax.random.fold_in(rng, 0), temperature, top_k)

    def step(carry, index):
        cache, previous = carry
        logits, cache = run(cache, previous[:, None], prompt_length + index - 1)
        ids = sample(logits, jax.random.fold_in(rng, index), temperature, top_k)
        return (cache, ids), ids

    _, rest = jax.lax.scan(step, (cache, first), jnp.arange(1, steps))
    return jnp.concatenate([first[:, None], rest.T], axis=1)
