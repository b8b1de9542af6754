"""BERT (transformers' BertForMaskedLM) <-> seqlab BERT (masked-LM head).

The post-LN encoder of the original transformer (H = LN(MHA(X) + X)), embeddings
LN(E[w] + P[t] + S[s]), and the masked-LM head LN(GELU(x W_T + b_T)) E^T + b with E tied to the
word embeddings. transformers' attention_mask (1 = real token) is seqlab's token_mask.
tokens: int32 [B, T], attention_mask: [B, T] 0/1 -> logits [B, T, vocab_size].
"""

import jax
import jax.numpy as jnp

from seqlab.interop.errors import exportable, setting
from seqlab.interop.mapping import Tensor, dense, layer_norm, linear, same
from seqlab.models.bert import BERT

ARCHITECTURE = 'BertForMaskedLM'
PREFIX = 'bert.'  # of the base model's tensors
MODEL = BERT
NAME = 'bert'  # in the model registry
STACK = 'encoder'
DATA_KEYS = ('vocab_size', 'num_classes')  # model arguments the data and task decide
HEADS = ('mlm_head', 'classifier')  # re-initialised when their shape differs
UNUSED = (  # heads of other BERT architectures and buffers
    r'bert\.pooler\..*',
    r'cls\.seq_relationship\..*',
    r'cls\.predictions\.(decoder\.)?bias',  # the bias the table does not map (see `table`)
    r'bert\.embeddings\.(position_ids|token_type_ids)',
)
APPROXIMATE_GELU = {'gelu': False, 'gelu_new': True, 'gelu_pytorch_tanh': True}


def model_kwargs(config: dict) -> dict:
    """BERT arguments (masked-LM head) from a BERT config.json."""
    setting(config, 'position_embedding_type', ('absolute',), 'absolute')
    setting(config, 'is_decoder', (False,), False)
    activation = setting(config, 'hidden_act', tuple(APPROXIMATE_GELU), 'gelu')
    return dict(
        vocab_size=config['vocab_size'],
        num_classes=0,
        width=config['hidden_size'],
        depth=config['num_hidden_layers'],
        heads=config['num_attention_heads'],
        mlp_dim=config['intermediate_size'],
        max_length=config['max_position_embeddings'],
        type_vocab_size=config.get('type_vocab_size', 2),
        norm='post_ln',
        gelu_approximate=APPROXIMATE_GELU[activation],
        layer_norm_epsilon=config.get('layer_norm_eps', 1e-12),
        tie_embedding=config.get('tie_word_embeddings', True),
        pad_id=config.get('pad_token_id') or 0,
    )


def sample_inputs(config: dict) -> tuple[jax.Array]:
    return (jnp.zeros((1, 1), jnp.int32),)


def adapt(model: BERT, sample_inputs: tuple, name: str, value: jax.Array, shape: tuple) -> None:
    """No BERT parameter is adapted to another shape: every shape follows from config.json."""
    return None


def hf_config(model: BERT, params: dict) -> dict:
    """A BertForMaskedLM config.json describing `model`."""
    exportable(model, 'num_classes', (0,), ARCHITECTURE)
    exportable(model, 'norm', ('post_ln',), ARCHITECTURE)
    return dict(
        architectures=[ARCHITECTURE],
        model_type='bert',
        vocab_size=model.vocab_size,
        hidden_size=model.width,
        num_hidden_layers=model.depth,
        num_attention_heads=model.heads,
        intermediate_size=model.mlp_dim,
        max_position_embeddings=model.max_length,
        type_vocab_size=model.type_vocab_size,
        hidden_act='gelu_new' if model.gelu_approximate else 'gelu',
        layer_norm_eps=model.layer_norm_epsilon,
        tie_word_embeddings=model.tie_embedding,
        pad_token_id=model.pad_id,
        hidden_dropout_prob=model.dropout,
        attention_probs_dropout_prob=model.attention_dropout,
    )


def table(model: BERT) -> list[Tensor]:
    embeddings, head = 'bert.embeddings', 'cls.predictions'
    rows = [
        same(f'{embeddings}.word_embeddings.weight', 'embeddings/token/table'),
        same(f'{embeddings}.position_embeddings.weight', 'embeddings/position/table'),
        *layer_norm(f'{embeddings}.LayerNorm', 'embeddings/norm'),
        *dense(f'{head}.transform.dense', 'mlm_head/transform'),
        *layer_norm(f'{head}.transform.LayerNorm', 'mlm_head/transform_norm'),
    ]
    if model.type_vocab_size:
        rows.append(
            same(f'{embeddings}.token_type_embeddings.weight', 'embeddings/token_type/table')
        )
    if model.tie_embedding:  # decoder.bias is tied to (and saved as) cls.predictions.bias
        rows.append(same(f'{head}.bias', 'mlm_head/bias'))
    else:  # transformers 5 adds decoder.bias; cls.predictions.bias is then unused
        rows.append(linear(f'{head}.decoder.weight', 'mlm_head/output/kernel'))
        rows.append(same(f'{head}.decoder.bias', 'mlm_head/bias'))
    for layer in range(model.depth):
        hf, block = f'bert.encoder.layer.{layer}', f'encoder/blocks_{layer}'
        rows += [
            *dense(f'{hf}.attention.output.dense', f'{block}/attention/out'),
            *layer_norm(f'{hf}.attention.output.LayerNorm', f'{block}/attention_norm'),
            *dense(f'{hf}.intermediate.dense', f'{block}/mlp/hidden'),
            *dense(f'{hf}.output.dense', f'{block}/mlp/output'),
            *layer_norm(f'{hf}.output.LayerNorm', f'{block}/mlp_norm'),
        ]
        for projection in ('query', 'key', 'value'):
            rows += dense(f'{hf}.attention.self.{projection}', f'{block}/attention/{projection}')
    return rows
