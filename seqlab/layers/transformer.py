"""Transformer encoder: blocks (post-LN or pre-LN), a scanned stack, class token and pooling.

post_ln (the lecture's order):  H = LN(MHA(X) + X);   Y = LN(g(H) + H)
pre_ln:                         H = X + MHA(LN(X));   Y = H + g(LN(H))
with g the two-layer GELU MLP. The pre-LN stack ends with a final LayerNorm.
"""

from collections.abc import Callable
from typing import Any, Literal

import flax.linen as nn
import jax
import jax.numpy as jnp

from seqlab.layers.attention import MultiHeadAttention
from seqlab.layers.dense import Mlp

REMAT_POLICIES = {
    'full': None,  # save nothing, recompute the whole block
    'dots': jax.checkpoint_policies.checkpoint_dots_with_no_batch_dims,  # keep 2-D matmul outputs
    'dots_saveable': jax.checkpoint_policies.dots_saveable,  # keep every matmul output
}
REMATS = ('none', *REMAT_POLICIES)
# Under nn.scan, autodiff stores every residual of the block (LayerNorm and GELU intermediates
# too) in [layers, ...] buffers that are zero-filled, written and copied each step; unrolled, XLA
# fuses that elementwise work into its consumers instead. So a scanned 'none' keeps only matmul
# outputs: the ViT benchmark step went from 1.20x to 1.02x the unrolled one (CPU time, PERF_NOTES).
SCANNED_NONE = 'dots_saveable'


def remat_block(apply_block: Callable, remat: str, *, scanned: bool = False) -> Callable:
    """`apply_block` wrapped in nn.remat with the named policy ('none': unchanged).

    scanned=True (the block runs under nn.scan) turns 'none' into SCANNED_NONE.
    """
    if remat not in REMATS:
        raise ValueError(f'remat={remat!r}; allowed: {", ".join(REMATS)}')
    if remat == 'none' and scanned:
        remat = SCANNED_NONE
    if remat == 'none':
        return apply_block
    return nn.remat(apply_block, policy=REMAT_POLICIES[remat])


class Block(nn.Module):
    """One encoder block. x: [B, T, D], mask broadcastable to [B, H, T, T] -> [B, T, D]."""

    num_heads: int
    mlp_dim: int
    dropout: float = 0.0
    attention_dropout: float = 0.0
    norm: Literal['pre_ln', 'post_ln'] = 'pre_ln'
    gelu_approximate: bool = True
    layer_norm_epsilon: float = 1e-6
    dtype: Any = jnp.float32
    attention: Literal['naive', 'chunked'] = 'naive'

    @nn.compact
    def __call__(
        self,
        x: jax.Array,
        mask: jax.Array | None = None,
        bias: jax.Array | None = None,
        *,
        train: bool = False,
    ) -> jax.Array:
        if self.norm not in ('pre_ln', 'post_ln'):
            raise ValueError(f"norm={self.norm!r}; allowed: 'pre_ln', 'post_ln'")
        attend = MultiHeadAttention(
            self.num_heads,
            dropout=self.attention_dropout,
            attention=self.attention,
            dtype=self.dtype,
            name='attention',
        )
        mlp = Mlp(
            self.mlp_dim,
            dropout=self.dropout,
            gelu_approximate=self.gelu_approximate,
            dtype=self.dtype,
            name='mlp',
        )

        def norm(name):
            return nn.LayerNorm(self.layer_norm_epsilon, dtype=self.dtype, name=name)

        def drop(y):
            return nn.Dropout(self.dropout)(y, deterministic=not train)

        x = x.astype(self.dtype)
        if self.norm == 'post_ln':
            h = norm('attention_norm')(drop(attend(x, mask=mask, bias=bias, train=train)) + x)
            return norm('mlp_norm')(drop(mlp(h, train=train)) + h)
        h = x + drop(attend(norm('attention_norm')(x), mask=mask, bias=bias, train=train))
        return h + drop(mlp(norm('mlp_norm')(h), train=train))


class Encoder(nn.Module):
    """num_layers Blocks. x: [B, T, D] -> [B, T, D].

    scan=True runs the blocks with nn.scan: one compiled block, parameters stacked on a leading
    layer axis under 'blocks'. scan=False names them 'blocks_0', 'blocks_1', ... (see
    `unstack_blocks` / `stack_blocks` to convert). remat: 'none', 'full' (recompute each block in
    the backward pass), 'dots' (keep only the outputs of unbatched matmuls: the projections and
    the MLP; attention scores are recomputed) or 'dots_saveable' (keep every matmul output,
    attention scores and weighted values included; recompute only elementwise work). A scanned
    stack with remat='none' runs as 'dots_saveable' (SCANNED_NONE): faster, same values.
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
    scan: bool = True
    remat: Literal['none', 'full', 'dots', 'dots_saveable'] = 'none'

    @nn.compact
    def __call__(
        self,
        x: jax.Array,
        mask: jax.Array | None = None,
        bias: jax.Array | None = None,
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
        )

        x = x.astype(self.dtype)  # the scan carry keeps one dtype

        def apply_block(block, y, mask, bias):
            return block(y, mask, bias, train=train)

        apply_block = remat_block(apply_block, self.remat, scanned=self.scan)
        if self.scan:
            scanned = nn.scan(
                lambda block, y, mask, bias: (apply_block(block, y, mask, bias), None),
                variable_axes={'params': 0},
                split_rngs={'params': True, 'dropout': True},
                in_axes=(nn.broadcast, nn.broadcast),
                length=self.num_layers,
            )
            x, _ = scanned(Block(**block_fields, name='blocks'), x, mask, bias)
        else:
            for layer in range(self.num_layers):
                x = apply_block(Block(**block_fields, name=f'blocks_{layer}'), x, mask, bias)
        if self.norm == 'pre_ln':
            x = nn.LayerNorm(self.layer_norm_epsilon, dtype=self.dtype, name='encoder_norm')(x)
        return x


def unstack_blocks(params: dict, num_layers: int, name: str = 'blocks') -> dict:
    """Scanned layout {name: leaves [L, ...]} -> unscanned {name_0: ..., name_{L-1}: ...}."""
    out = {k: v for k, v in params.items() if k != name}
    for layer in range(num_layers):
        out[f'{name}_{layer}'] = jax.tree.map(lambda leaf, i=layer: leaf[i], params[name])
    return out


def stack_blocks(params: dict, num_layers: int, name: str = 'blocks') -> dict:
    """Unscanned {name_0: ..., name_{L-1}: ...} -> scanned {name: leaves stacked on axis 0}."""
    layers = [params[f'{name}_{layer}'] for layer in range(num_layers)]
    out = {k: v for k, v in params.items() if not k.startswith(f'{name}_')}
    out[name] = jax.tree.map(lambda *leaves: jnp.stack(leaves), *layers)
    return out


class ClassToken(nn.Module):
    """Prepend a learned token: x [B, T, D] -> [B, T + 1, D] with the token at position 0."""

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        token = self.param('cls', nn.initializers.zeros, (1, 1, x.shape[-1]), jnp.float32)
        token = jnp.broadcast_to(token.astype(x.dtype), (x.shape[0], 1, x.shape[-1]))
        return jnp.concatenate([token, x], axis=1)


def mean_pool(x: jax.Array, mask: jax.Array | None = None) -> jax.Array:
    """Average over real positions: sum_t m_t x_t / max(1, sum_t m_t). x: [B, T, D], mask [B, T]."""
    if mask is None:
        return x.mean(axis=1)
    weights = mask.astype(x.dtype)[..., None]
    return (x * weights).sum(axis=1) / jnp.maximum(weights.sum(axis=1), 1.0)
