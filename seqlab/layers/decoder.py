"""Causal transformer decoder: masked self-attention, optional cross-attention, MLP.

post_ln:  H = LN(SA(X) + X);   H' = LN(CA(H, E) + H);   Y = LN(g(H') + H')
pre_ln:   H = X + SA(LN(X));   H' = H + CA(LN(H), E);   Y = H' + g(LN(H'))
SA is causal (position t attends to <= t); CA attends to the encoder output E and exists only when
E is given. With `decode=True` self-attention keeps a KV cache ('cache' collection): initialise
with a full-length input, then feed one position (or a few) per call.
"""

import flax.linen as nn
import jax

from seqlab.layers.attention import MultiHeadAttention
from seqlab.layers.transformer import (
    BlockOptions,
    BlockStack,
    apply_blocks,
    residual_sublayers,
)


class DecoderBlock(BlockOptions):
    """x: [B, T, D], encoded: [B, S, D_e] or None -> [B, T, D]."""

    decode: bool = False

    @nn.compact
    def __call__(
        self,
        x: jax.Array,
        encoded: jax.Array | None = None,
        self_mask: jax.Array | None = None,
        cross_mask: jax.Array | None = None,
        *,
        train: bool = False,
    ) -> jax.Array:
        attention = dict(
            num_heads=self.num_heads,
            dropout=self.attention_dropout,
            attention=self.attention,
            dtype=self.dtype,
        )
        self_attention = MultiHeadAttention(
            **attention, causal=True, decode=self.decode, name='self_attention'
        )
        sublayers = [('self_attention', lambda h: self_attention(h, mask=self_mask, train=train))]
        if encoded is not None:
            cross_attention = MultiHeadAttention(**attention, name='cross_attention')
            sublayers.append(
                ('cross_attention', lambda h: cross_attention(h, encoded, cross_mask, train=train))
            )
        return residual_sublayers(self, sublayers, x, train=train)


class Decoder(BlockStack):
    """num_layers DecoderBlocks (+ a final LayerNorm for pre_ln). x: [B, T, D] -> [B, T, D].

    scan and remat as in BlockStack; under scan the KV caches are stacked on the layer axis too.
    """

    decode: bool = False

    @nn.compact
    def __call__(
        self,
        x: jax.Array,
        encoded: jax.Array | None = None,
        self_mask: jax.Array | None = None,
        cross_mask: jax.Array | None = None,
        *,
        train: bool = False,
    ) -> jax.Array:
        x = apply_blocks(self, DecoderBlock, x, encoded, self_mask, cross_mask, train=train)
        if self.norm == 'pre_ln':
            x = nn.LayerNorm(self.layer_norm_epsilon, dtype=self.dtype, name='decoder_norm')(x)
        return x
