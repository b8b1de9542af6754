"""Causal transformer decoder: masked self-attention, optional cross-attention, MLP.

post_ln:  H = LN(SA(X) + X);   H' = LN(CA(H, E) + H);   Y = LN(g(H') + H')
pre_ln:   H = X + SA(LN(X));   H' = H + CA(LN(H), E);   Y = H' + g(LN(H'))
SA is causal (position t attends to <= t); CA attends to the encoder output E and exists only when
E is given. With `decode=True` self-attention keeps a KV cache ('cache' collection): initialise
with a full-length input, then feed one position (or a few) per call.
"""

from typing import Any, Literal

import flax.linen as nn
import jax
import jax.numpy as jnp

from seqlab.layers.attention import MultiHeadAttention
from seqlab.layers.dense import Mlp
from seqlab.layers.transformer import remat_block


class DecoderBlock(nn.Module):
    """x: [B, T, D], encoded: [B, S, D_e] or None -> [B, T, D]."""

    num_heads: int
    mlp_dim: int
    dropout: float = 0.0
    attention_dropout: float = 0.0
    norm: Literal['pre_ln', 'post_ln'] = 'pre_ln'
    gelu_approximate: bool = True
    layer_norm_epsilon: float = 1e-6
    dtype: Any = jnp.float32
    attention: Literal['naive', 'chunked'] = 'naive'
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
        if self.norm not in ('pre_ln', 'post_ln'):
            raise ValueError(f"norm={self.norm!r}; allowed: 'pre_ln', 'post_ln'")
        attention = dict(
            num_heads=self.num_heads,
            dropout=self.attention_dropout,
            attention=self.attention,
            dtype=self.dtype,
        )

        def norm(name):
            return nn.LayerNorm(self.layer_norm_epsilon, dtype=self.dtype, name=name)

        def drop(y):
            return nn.Dropout(self.dropout)(y, deterministic=not train)

        self_attention = MultiHeadAttention(
            **attention, causal=True, decode=self.decode, name='self_attention'
        )
        sublayers = [('self_attention', lambda h: self_attention(h, mask=self_mask, train=train))]
        if encoded is not None:
            cross_attention = MultiHeadAttention(**attention, name='cross_attention')
            sublayers.append(
                ('cross_attention', lambda h: cross_attention(h, encoded, cross_mask, train=train))
            )
        mlp = Mlp(
            self.mlp_dim,
            dropout=self.dropout,
            gelu_approximate=self.gelu_approximate,
            dtype=self.dtype,
            name='mlp',
        )
        sublayers.append(('mlp', lambda h: mlp(h, train=train)))

        x = x.astype(self.dtype)
        for name, sublayer in sublayers:
            if self.norm == 'post_ln':
                x = norm(f'{name}_norm')(drop(sublayer(x)) + x)
            else:
                x = x + drop(sublayer(norm(f'{name}_norm')(x)))
        return x


class Decoder(nn.Module):
    """num_layers DecoderBlocks (+ a final LayerNorm for pre_ln). x: [B, T, D] -> [B, T, D].

    scan=True stacks parameters (and caches) on a leading layer axis under 'blocks', as Encoder;
    remat names a recomputation policy as in Encoder ('none', 'full', 'dots', 'dots_saveable';
    a scanned 'none' keeps only matmul outputs).
    """

    num_layers: int
    num_heads: int
    mlp_dim: int
    dropout: float = 0.0
    attention_dropout: float = 0.0
    norm: Literal['pre_ln', 'post_ln'] = 'pre_ln'
    gelu_approximate: bool = True
    layer_norm_epsilon: float = 1e-6
    dtype: Any = jnp.float32
    attention: Literal['naive', 'chunked'] = 'naive'
    decode: bool = False
    scan: bool = True
    remat: str = 'none'

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
        if self.num_layers < 1:
            raise ValueError(f'num_layers={self.num_layers} must be >= 1')
        block_fields = dict(
            num_heads=self.num_heads,
            mlp_dim=self.mlp_dim,
            dropout=self.dropout,
            attention_dropout=self.attention_dropout,
            norm=self.norm,
            gelu_approximate=self.gelu_approximate,
            layer_norm_epsilon=self.layer_norm_epsilon,
            dtype=self.dtype,
            attention=self.attention,
            decode=self.decode,
        )
        x = x.astype(self.dtype)

        def apply_block(block, y, *context):
            return block(y, *context, train=train)

        apply_block = remat_block(apply_block, self.remat, scanned=self.scan)
        if self.scan:
            scanned = nn.scan(
                lambda block, y, *context: (apply_block(block, y, *context), None),
                variable_axes={'params': 0, 'cache': 0},
                split_rngs={'params': True, 'dropout': True},
                in_axes=(nn.broadcast, nn.broadcast, nn.broadcast),
                length=self.num_layers,
            )
            block = DecoderBlock(**block_fields, name='blocks')
            x, _ = scanned(block, x, encoded, self_mask, cross_mask)
        else:
            for layer in range(self.num_layers):
                block = DecoderBlock(**block_fields, name=f'blocks_{layer}')
                x = apply_block(block, x, encoded, self_mask, cross_mask)
        if self.norm == 'pre_ln':
            x = nn.LayerNorm(self.layer_norm_epsilon, dtype=self.dtype, name='decoder_norm')(x)
        return x
