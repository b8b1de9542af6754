"""GPT-2 (transformers' GPT2LMHeadModel) <-> seqlab GPT.

GPT-2 is seqlab's GPT with learned positions, pre-LN blocks, tanh-approximate GELU ('gelu_new')
and LayerNorm epsilon 1e-5. Its Conv1D weights are already [in, out] like seqlab kernels; the fused
query/key/value projection c_attn [D, 3D] is split into three [D, D] kernels.
tokens: int32 [B, T] -> logits [B, T, vocab_size].
"""

import jax
import jax.numpy as jnp

from seqlab.interop.errors import exportable, setting
from seqlab.interop.mapping import Tensor, fused, layer_norm, linear, same
from seqlab.models.gpt import GPT

ARCHITECTURE = 'GPT2LMHeadModel'
PREFIX = 'transformer.'  # of the base model's tensors
MODEL = GPT
NAME = 'gpt'  # in the model registry
DATA_KEYS = ('vocab_size',)  # model arguments the data decides (here: must equal the checkpoint's)
HEADS = ()  # parameter groups re-initialised when their shape differs from the checkpoint's
STACK = 'decoder'
UNUSED = (r'transformer\.h\.\d+\.attn\.(masked_)?bias',)  # causal-mask buffers of old checkpoints
APPROXIMATE_GELU = {'gelu_new': True, 'gelu_pytorch_tanh': True, 'gelu': False}


def model_kwargs(config: dict) -> dict:
    """GPT arguments from a GPT-2 config.json."""
    setting(config, 'scale_attn_weights', (True,), True)
    setting(config, 'scale_attn_by_inverse_layer_idx', (False,), False)
    setting(config, 'add_cross_attention', (False,), False)
    activation = setting(config, 'activation_function', tuple(APPROXIMATE_GELU), 'gelu_new')
    return dict(
        vocab_size=config['vocab_size'],
        width=config['n_embd'],
        depth=config['n_layer'],
        heads=config['n_head'],
        mlp_dim=config.get('n_inner') or 4 * config['n_embd'],
        max_length=config['n_positions'],
        position='learned',
        gelu_approximate=APPROXIMATE_GELU[activation],
        layer_norm_epsilon=config.get('layer_norm_epsilon', 1e-5),
        tie_embedding=config.get('tie_word_embeddings', True),
    )


def sample_inputs(config: dict) -> tuple[jax.Array]:
    return (jnp.zeros((1, 1), jnp.int32),)


def adapt(model: GPT, sample_inputs: tuple, name: str, value: jax.Array, shape: tuple) -> None:
    """No GPT parameter is adapted to another shape: every shape follows from config.json."""
    return None


def hf_config(model: GPT, params: dict) -> dict:
    """A GPT-2 config.json describing `model`."""
    exportable(model, 'position', ('learned',), ARCHITECTURE)
    exportable(model, 'norm', ('pre_ln',), ARCHITECTURE)
    return dict(
        architectures=[ARCHITECTURE],
        model_type='gpt2',
        vocab_size=model.vocab_size,
        n_embd=model.width,
        n_layer=model.depth,
        n_head=model.heads,
        n_inner=model.mlp_dim,
        n_positions=model.max_length,
        activation_function='gelu_new' if model.gelu_approximate else 'gelu',
        layer_norm_epsilon=model.layer_norm_epsilon,
        tie_word_embeddings=model.tie_embedding,
        resid_pdrop=model.dropout,
        embd_pdrop=model.dropout,
        attn_pdrop=model.attention_dropout,
        bos_token_id=None,
        eos_token_id=None,
    )


def table(model: GPT) -> list[Tensor]:
    rows = [
        same('transformer.wte.weight', 'embedding/table'),
        same('transformer.wpe.weight', 'position'),
        *layer_norm('transformer.ln_f', 'decoder/decoder_norm'),
    ]
    if not model.tie_embedding:
        rows.append(linear('lm_head.weight', 'head/kernel'))
    for layer in range(model.depth):
        hf, block = f'transformer.h.{layer}', f'decoder/blocks_{layer}'
        rows += [
            *layer_norm(f'{hf}.ln_1', f'{block}/self_attention_norm'),
            *layer_norm(f'{hf}.ln_2', f'{block}/mlp_norm'),
            *conv1d(f'{hf}.attn.c_proj', f'{block}/self_attention/out'),
            *conv1d(f'{hf}.mlp.c_fc', f'{block}/mlp/hidden'),
            *conv1d(f'{hf}.mlp.c_proj', f'{block}/mlp/output'),
        ]
        for hf_kind, kind in (('weight', 'kernel'), ('bias', 'bias')):
            projections = [f'{block}/self_attention/{p}/{kind}' for p in ('query', 'key', 'value')]
            rows.append(fused(f'{hf}.attn.c_attn.{hf_kind}', projections))
    return rows


def conv1d(prefix: str, module: str) -> list[Tensor]:
    """GPT-2's Conv1D weight is [in, out] like a seqlab kernel."""
    return [same(f'{prefix}.weight', f'{module}/kernel'), same(f'{prefix}.bias', f'{module}/bias')]
