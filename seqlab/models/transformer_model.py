"""What the transformer models share: their block settings, declared once, and the block stack
(encoder or decoder) built from them.

A transformer model subclasses `TransformerModel` and declares what is its own: its inputs, its
size (width, depth, heads, mlp_dim), its embeddings and its readout. The block settings below are
keyword-only arguments of every such model; a model with other defaults (BERT) declares those
fields again after `dataclasses.KW_ONLY`. `block_stack` passes the settings on to
seqlab/layers/transformer.py's `Encoder` or seqlab/layers/decoder.py's `Decoder`.
"""

import dataclasses
import types
from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from seqlab.layers.transformer import BlockStack
from seqlab.models import checks

NORMS = ('pre_ln', 'post_ln')


def _setting(default: Any) -> Any:
    return dataclasses.field(default=default, kw_only=True)


class TransformerModel(nn.Module):
    """The block settings of a transformer model; the subclass declares `heads` and `mlp_dim`."""

    dropout: float = _setting(0.0)  # on the embeddings and in every block
    attention_dropout: float = _setting(0.0)  # on the attention weights
    attention: str = _setting('auto')  # seqlab/layers/attention_backend.py
    norm: str = _setting('pre_ln')  # NORMS: where the LayerNorms sit (seqlab/layers/transformer.py)
    gelu_approximate: bool = _setting(True)  # tanh approximation of the MLP's GELU
    layer_norm_epsilon: float = _setting(1e-6)
    scan: bool = _setting(True)  # the blocks under nn.scan, parameters stacked on a layer axis
    remat: str = _setting('none')  # seqlab/layers/transformer.py REMATS
    dtype: str = _setting('float32')  # compute dtype; parameters and outputs stay float32

    def block_stack(self, stack: type[BlockStack], num_layers: int, **options: Any) -> BlockStack:
        """`stack` (Encoder or Decoder) of `num_layers` blocks with this model's heads, mlp_dim and
        block settings; `options` are the stack's own (name, decode)."""
        return stack(
            num_layers=num_layers,
            num_heads=self.heads,
            mlp_dim=self.mlp_dim,
            dropout=self.dropout,
            attention_dropout=self.attention_dropout,
            attention=self.attention,
            norm=self.norm,
            gelu_approximate=self.gelu_approximate,
            layer_norm_epsilon=self.layer_norm_epsilon,
            scan=self.scan,
            remat=self.remat,
            dtype=jnp.dtype(self.dtype),
            **options,
        )


def check_blocks(model: types.SimpleNamespace) -> None:
    """For a model's `check`: a known norm placement (`checks.settings` gives `model`)."""
    checks.one_of(model, 'norm', NORMS)
