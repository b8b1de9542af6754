"""Encoder–decoder transformer: source tokens -> target tokens, with one shared embedding table.

    E = Encoder(E[x_s] + P_src[s])              keys masked where the source is padding
    H = Decoder(E[y_t] + P_tgt[t], E)           causal self-attention, cross-attention to E
    logits_t = H_t E^T                          scores y_{t+1} given x and y_{<=t}

Training feeds the target shifted right (teacher forcing): `apply(variables, source,
source_mask, target_inputs)` with source / source_mask [B, S] and target_inputs [B, T]
-> logits float32 [B, T, vocab_size]. `greedy_decode` takes the encoder's output
(`method=Seq2Seq.encode`, run once) and decodes one target position per step against the
decoder's KV cache. P_src and P_tgt are learned [max_length, D] tables or sinusoids; no sequence
may be longer than max_length.
"""

import functools

import flax.linen as nn
import jax
import jax.numpy as jnp

from seqlab.layers.decoder import Decoder
from seqlab.layers.embed import TokenEmbedding
from seqlab.layers.position import sinusoidal
from seqlab.layers.transformer import Encoder
from seqlab.models import checks
from seqlab.models.transformer_model import TransformerModel, check_blocks

POSITIONS = ('learned', 'sinusoidal')


class Seq2Seq(TransformerModel):
    """The block settings (dropout, attention, norm, scan, remat, dtype, ...) are TransformerModel's."""

    vocab_size: int
    width: int = 128
    encoder_depth: int = 2
    decoder_depth: int = 2
    heads: int = 4
    mlp_dim: int = 512
    max_length: int = 64
    position: str = 'learned'
    decode: bool = False

    @classmethod
    def check(cls, kwargs: dict, input_shape: tuple) -> None:
        """Known positions and norm placement; the source and target lengths (input_shape) fit
        the position tables."""
        model = checks.settings(cls, kwargs)
        checks.one_of(model, 'position', POSITIONS)
        check_blocks(model)
        checks.max_length_fits(
            model.max_length,
            dict(zip(('max_length', 'target_length'), input_shape, strict=True)),
            ' (learned and sinusoidal tables have max_length rows; there is no interpolation)',
        )

    def setup(self):
        self.embedding = TokenEmbedding(self.vocab_size, self.width, name='embedding')
        if self.position == 'learned':
            init, shape = nn.initializers.normal(0.02), (self.max_length, self.width)
            self.source_position = self.param('source_position', init, shape)
            self.target_position = self.param('target_position', init, shape)
        else:
            self.source_position = self.target_position = sinusoidal(self.max_length, self.width)
        self.drop = nn.Dropout(self.dropout)
        self.encoder = self.block_stack(Encoder, self.encoder_depth)
        self.decoder = self.block_stack(Decoder, self.decoder_depth, decode=self.decode)

    def _check_length(self, what: str, length: int) -> None:
        if length > self.max_length:
            raise ValueError(
                f'{what} length {length} > max_length={self.max_length}; raise max_length'
            )

    def encode(self, source: jax.Array, source_mask: jax.Array, *, train: bool = False):
        """source int [B, S], source_mask bool [B, S] (True = real) -> encoded [B, S, D]."""
        self._check_length('source', source.shape[1])
        x = self.embedding(source) + self.source_position[: source.shape[1]][None]
        x = self.drop(x, deterministic=not train)
        return self.encoder(x, source_mask[:, None, None, :], train=train)

    def decode_logits(
        self,
        encoded: jax.Array,
        source_mask: jax.Array,
        target_inputs: jax.Array,
        positions: jax.Array | None = None,
        *,
        train: bool = False,
    ) -> jax.Array:
        """encoded [B, S, D], target_inputs int [B, T] at `positions` int [T] (default 0..T-1;
        cached decoding passes the step) -> logits float32 [B, T, vocab_size]."""
        if positions is None:
            self._check_length('target', target_inputs.shape[1])
            positions = jnp.arange(target_inputs.shape[1])
        y = self.embedding(target_inputs) + self.target_position[positions][None]
        y = self.drop(y, deterministic=not train)
        y = self.decoder(y, encoded, cross_mask=source_mask[:, None, None, :], train=train)
        return self.embedding.attend(y).astype(jnp.float32)

    def __call__(
        self,
        source: jax.Array,
        source_mask: jax.Array,
        target_inputs: jax.Array,
        *,
        train: bool = False,
    ) -> jax.Array:
        """Teacher forcing: target_inputs = bos + target[:-1]. -> logits [B, T, vocab_size]."""
        encoded = self.encode(source, source_mask, train=train)
        return self.decode_logits(encoded, source_mask, target_inputs, train=train)


def greedy_decode(
    model: Seq2Seq,
    params: dict,
    encoded: jax.Array,
    source_mask: jax.Array,
    steps: int,
    bos_id: int,
) -> jax.Array:
    """argmax decoding of `steps` tokens after `bos_id`, one position per step against the
    decoder's cached self-attention keys and values.

    encoded [B, S, D] = model.apply(variables, source, source_mask, method=Seq2Seq.encode) (the
    encoder runs once), source_mask [B, S] -> int32 [B, steps].
    """
    if not 1 <= steps <= model.max_length:
        raise ValueError(f'steps={steps} is not allowed; allowed: 1..max_length={model.max_length}')
    batch = encoded.shape[0]
    decoder = model.clone(decode=True)
    targets = jnp.zeros((batch, steps), jnp.int32)
    shapes = jax.eval_shape(
        functools.partial(decoder.init, method=Seq2Seq.decode_logits),
        jax.random.PRNGKey(0),
        encoded,
        source_mask,
        targets,
    )
    cache = jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), shapes['cache'])

    def step(carry, index):
        cache, previous = carry
        logits, updated = decoder.apply(
            {'params': params, 'cache': cache},
            encoded,
            source_mask,
            previous[:, None],
            index[None],
            method=Seq2Seq.decode_logits,
            mutable=['cache'],
        )
        ids = logits[:, -1].argmax(-1).astype(jnp.int32)
        return (updated['cache'], ids), ids

    first = jnp.full((batch,), bos_id, jnp.int32)
    _, ids = jax.lax.scan(step, (cache, first), jnp.arange(steps))
    return ids.T
