"""BERT (Devlin et al. 2019): a transformer encoder pre-trained as a masked language model.

embeddings:  x_t = LN(E[w_t] + P[t] (+ S[s_t]))          token, learned position (+ token type)
encoder:     L blocks (post-LN as in BERT, or pre-LN), keys masked where token_mask is False
mlm_head:    h_t = LN(GELU(x_t W_T + b_T));  logits_t = h_t E^T + b   (E tied; else h_t W_O + b)
classifier:  (num_classes > 0, instead of mlm_head) y = (Σ_t m_t x_t / Σ_t m_t) W_C + b_C

tokens: int32 [B, T <= max_length], token_mask: bool [B, T] (default tokens != pad_id),
token_types: int32 [B, T] in [0, type_vocab_size) (default 0) -> masked-LM logits float32
[B, T, vocab_size], or class logits float32 [B, num_classes].
The parameter tree is embeddings/{token, position, token_type, norm}, encoder/..., and
mlm_head/{transform, transform_norm, bias (, output)} or classifier.
"""

import dataclasses
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from seqlab.layers.dense import Linear
from seqlab.layers.embed import TokenEmbedding
from seqlab.layers.position import LearnedPosition
from seqlab.layers.transformer import Encoder, mean_pool
from seqlab.models import checks
from seqlab.models.transformer_model import TransformerModel, check_blocks

REMATS = ('none', 'full', 'dots')


class Embeddings(nn.Module):
    """LN(E[w] + P[:T] (+ S[s])) then dropout. tokens [B, T] -> [B, T, width]; `attend` scores
    x [..., width] against every token embedding: x E^T [..., vocab_size]."""

    vocab_size: int
    width: int
    max_length: int
    type_vocab_size: int
    layer_norm_epsilon: float
    dropout: float
    dtype: Any = jnp.float32

    def setup(self):
        self.token = TokenEmbedding(self.vocab_size, self.width)
        self.position = LearnedPosition(self.max_length)
        if self.type_vocab_size:
            self.token_type = TokenEmbedding(self.type_vocab_size, self.width)
        self.norm = nn.LayerNorm(self.layer_norm_epsilon, dtype=self.dtype)
        self.drop = nn.Dropout(self.dropout)

    def __call__(
        self, tokens: jax.Array, token_types: jax.Array | None, *, train: bool
    ) -> jax.Array:
        x = self.position(self.token(tokens)).astype(self.dtype)
        if self.type_vocab_size:
            types = jnp.zeros_like(tokens) if token_types is None else token_types
            x = x + self.token_type(types).astype(self.dtype)
        return self.drop(self.norm(x), deterministic=not train)

    def attend(self, x: jax.Array) -> jax.Array:
        return self.token.attend(x)


class MaskedLMHead(nn.Module):
    """x [B, T, D] -> logits [B, T, vocab_size] through dense -> GELU -> LayerNorm -> output."""

    vocab_size: int
    gelu_approximate: bool
    layer_norm_epsilon: float
    tie_embedding: bool

    @nn.compact
    def __call__(self, x: jax.Array, embeddings: Embeddings) -> jax.Array:
        h = Linear(x.shape[-1], dtype=x.dtype, name='transform')(x)
        h = nn.gelu(h, approximate=self.gelu_approximate)
        h = nn.LayerNorm(self.layer_norm_epsilon, dtype=x.dtype, name='transform_norm')(h)
        if self.tie_embedding:
            logits = embeddings.attend(h)
        else:
            logits = Linear(self.vocab_size, use_bias=False, dtype=x.dtype, name='output')(h)
        return logits + self.param('bias', nn.initializers.zeros, (self.vocab_size,))


class BERT(TransformerModel):
    """The block settings (dropout, attention, norm, scan, remat, dtype, ...) are TransformerModel's;
    those after KW_ONLY have BERT's defaults (post-LN, exact GELU, epsilon 1e-12, dropout 0.1)."""

    vocab_size: int
    num_classes: int = 0  # 0: masked-LM logits; > 0: a mean-pooled classifier
    width: int = 256
    depth: int = 4
    heads: int = 4
    mlp_dim: int = 1024
    max_length: int = 128
    type_vocab_size: int = 0  # 0: no token-type embeddings (BERT: 2, sentence A / B)
    tie_embedding: bool = True
    pad_id: int = 0
    _: dataclasses.KW_ONLY
    norm: str = 'post_ln'
    gelu_approximate: bool = False
    layer_norm_epsilon: float = 1e-12
    dropout: float = 0.1
    attention_dropout: float = 0.1

    @classmethod
    def check(cls, kwargs: dict, input_shape: tuple) -> None:
        """Known norm and remat; the data's length must fit the position table."""
        model = checks.settings(cls, kwargs)
        check_blocks(model)
        checks.one_of(model, 'remat', REMATS)
        for key in ('num_classes', 'type_vocab_size'):
            checks.int_at_least(model, key, 0)
        checks.max_length_fits(model.max_length, {'max_length': input_shape[0]})

    @nn.compact
    def __call__(
        self,
        tokens: jax.Array,
        token_mask: jax.Array | None = None,
        token_types: jax.Array | None = None,
        *,
        train: bool = False,
    ) -> jax.Array:
        mask = tokens != self.pad_id if token_mask is None else token_mask.astype(bool)
        embeddings = Embeddings(
            self.vocab_size,
            self.width,
            self.max_length,
            self.type_vocab_size,
            self.layer_norm_epsilon,
            self.dropout,
            jnp.dtype(self.dtype),
            name='embeddings',
        )
        x = embeddings(tokens, token_types, train=train)
        encoder = self.block_stack(Encoder, self.depth, name='encoder')
        x = encoder(x, mask[:, None, None, :], train=train)
        if self.num_classes:
            pooled = mean_pool(x, mask)
            return Linear(self.num_classes, name='classifier')(pooled).astype(jnp.float32)
        head = MaskedLMHead(
            self.vocab_size,
            self.gelu_approximate,
            self.layer_norm_epsilon,
            self.tie_embedding,
            name='mlm_head',
        )
        return head(x, embeddings).astype(jnp.float32)
