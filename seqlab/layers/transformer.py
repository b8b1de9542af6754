"""Transformer encoder: blocks (post-LN or pre-LN), a scanned stack, class token and pooling.
The block options, residual sublayers and stack are shared with the decoder (decoder.py).

post_ln (the lecture's order):  H = LN(MHA(X) + X);   Y = LN(g(H) + H)
pre_ln:                         H = X + MHA(LN(X));   Y = H + g(LN(H))
with g the two-layer GELU MLP. The pre-LN stack ends with a final LayerNorm.
"""

import dataclasses
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
# outputs: the ViT benchmark step went from 1.20x to 1.02x the unrolled one (CPU time).
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


class BlockOptions(nn.Module):
    """A transformer block's options; a stack of blocks takes the same ones and passes them on."""

    num_heads: int
    mlp_dim: int
    dropout: float = 0.0
    attention_dropout: float = 0.0
    norm: Literal['pre_ln', 'post_ln'] = 'pre_ln'
    gelu_approximate: bool = True
    layer_norm_epsilon: float = 1e-6
    dtype: Any = jnp.float32
    attention: str = 'auto'  # attention_backend.BACKENDS


def residual_sublayers(
    block: BlockOptions,
    attentions: list[tuple[str, Callable[[jax.Array], jax.Array]]],
    x: jax.Array,
    *,
    train: bool,
) -> jax.Array:
    """x: [B, T, D] -> [B, T, D] through each (name, attention) and then the block's MLP ('mlp').

    Each sublayer f runs with dropout, a residual and a LayerNorm named '<name>_norm':
    post_ln x <- LN(f(x) + x), pre_ln x <- x + f(LN(x)). Call it from the block's compact __call__.
    """
    if block.norm not in ('pre_ln', 'post_ln'):
        raise ValueError(f"norm={block.norm!r}; allowed: 'pre_ln', 'post_ln'")
    mlp = Mlp(
        block.mlp_dim,
        dropout=block.dropout,
        gelu_approximate=block.gelu_approximate,
        dtype=block.dtype,
        name='mlp',
    )
    x = x.astype(block.dtype)
    for name, sublayer in [*attentions, ('mlp', lambda h: mlp(h, train=train))]:
        norm = nn.LayerNorm(block.layer_norm_epsilon, dtype=block.dtype, name=f'{name}_norm')
        if block.norm == 'post_ln':
            x = norm(nn.Dropout(block.dropout)(sublayer(x), deterministic=not train) + x)
        else:
            x = x + nn.Dropout(block.dropout)(sublayer(norm(x)), deterministic=not train)
    return x


class Block(BlockOptions):
    """One encoder block. x: [B, T, D], mask broadcastable to [B, H, T, T] -> [B, T, D]."""

    @nn.compact
    def __call__(
        self,
        x: jax.Array,
        mask: jax.Array | None = None,
        bias: jax.Array | None = None,
        *,
        train: bool = False,
    ) -> jax.Array:
        attend = MultiHeadAttention(
            self.num_heads,
            dropout=self.attention_dropout,
            attention=self.attention,
            dtype=self.dtype,
            name='attention',
        )
        attention = ('attention', lambda h: attend(h, mask=mask, bias=bias, train=train))
        return residual_sublayers(self, [attention], x, train=train)


class BlockStack(BlockOptions):
    """Options of num_layers identical blocks, each built with this stack's BlockOptions.

    scan=True runs the blocks with nn.scan: one compiled block, parameters (and caches) stacked on
    a leading layer axis under 'blocks'. scan=False names them 'blocks_0', 'blocks_1', ... (see
    `unstack_blocks` / `stack_blocks` to convert). remat: 'none', 'full' (recompute each block in
    the backward pass), 'dots' (keep only the outputs of unbatched matmuls: the projections and
    the MLP; attention scores are recomputed) or 'dots_saveable' (keep every matmul output,
    attention scores and weighted values included; recompute only elementwise work). A scanned
    stack with remat='none' runs as 'dots_saveable' (SCANNED_NONE): faster, same values.
    """

    num_layers: int = dataclasses.field(kw_only=True)
    scan: bool = True
    remat: Literal['none', 'full', 'dots', 'dots_saveable'] = 'none'


def apply_blocks(
    stack: BlockStack, block: type[nn.Module], x: jax.Array, *context: Any, train: bool
) -> jax.Array:
    """x: [B, T, D] -> [B, T, D] through stack.num_layers blocks, each called as block(y, *context).

    Each block is built from the fields of `stack` that `block` declares. Call it from the stack's
    compact __call__: the blocks become the stack's submodules ('blocks' or 'blocks_<i>').
    """
    if stack.num_layers < 1:
        raise ValueError(f'num_layers={stack.num_layers} must be >= 1')
    options = {
        field.name: getattr(stack, field.name)
        for field in dataclasses.fields(block)
        if field.name not in ('parent', 'name')
    }
    x = x.astype(stack.dtype)  # the scan carry keeps one dtype

    def apply_block(module, y, *context):
        return module(y, *context, train=train)

    apply_block = remat_block(apply_block, stack.remat, scanned=stack.scan)
    if stack.scan:
        scanned = nn.scan(
            lambda module, y, *context: (apply_block(module, y, *context), None),
            variable_axes={'params': 0, 'cache': 0},
            split_rngs={'params': True, 'dropout': True},
            in_axes=(nn.broadcast,) * len(context),
            length=stack.num_layers,
        )
        x, _ = scanned(block(**options, name='blocks'), x, *context)
    else:
        for layer in range(stack.num_layers):
            x = apply_block(block(**options, name=f'blocks_{layer}'), x, *context)
    return x


class Encoder(BlockStack):
    """num_layers Blocks (+ a final LayerNorm for pre_ln). x: [B, T, D] -> [B, T, D]."""

    @nn.compact
    def __call__(
        self,
        x: jax.Array,
        mask: jax.Array | None = None,
        bias: jax.Array | None = None,
        *,
        train: bool = False,
    ) -> jax.Array:
        x = apply_blocks(self, Block, x, mask, bias, train=train)
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
