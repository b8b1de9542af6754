"""ViT (transformers' ViTForImageClassification) <-> seqlab ViT.

The same pre-LN encoder with a class token read out after the final LayerNorm; transformers uses
exact GELU and LayerNorm epsilon 1e-12 by default, and images channels first. The patch
projection weight [D, C, p, p] is seqlab's conv kernel [p, p, C, D]; the position table
[1, 1 + N, D] is seqlab's [1 + N, D] with N = (image_size / patch)^2 patches.
images: float32 [B, H, W, C] -> logits [B, num_labels].
"""

import math

import jax
import jax.numpy as jnp

from seqlab.interop.errors import InteropError, exportable, setting
from seqlab.interop.mapping import Tensor, dense, layer_norm, reshaped, same
from seqlab.models.vit import ViT

ARCHITECTURE = 'ViTForImageClassification'
PREFIX = 'vit.'  # of the base model's tensors
MODEL = ViT
NAME = 'vit'  # in the model registry
DATA_KEYS = ('num_classes',)  # model arguments the data decides
HEADS = ('head',)  # re-initialised when the number of classes differs from the checkpoint's
STACK = 'encoder'
UNUSED = ()
APPROXIMATE_GELU = {'gelu': False, 'gelu_new': True, 'gelu_pytorch_tanh': True}


def model_kwargs(config: dict) -> dict:
    """ViT arguments from a ViT config.json."""
    setting(config, 'qkv_bias', (True,), True)
    activation = setting(config, 'hidden_act', tuple(APPROXIMATE_GELU), 'gelu')
    labels = config.get('id2label')
    return dict(
        num_classes=len(labels) if labels else config.get('num_labels', 2),
        patch=config['patch_size'],
        width=config['hidden_size'],
        depth=config['num_hidden_layers'],
        heads=config['num_attention_heads'],
        mlp_dim=config['intermediate_size'],
        pool='cls',
        norm='pre_ln',
        stem='patch',
        gelu_approximate=APPROXIMATE_GELU[activation],
        layer_norm_epsilon=config.get('layer_norm_eps', 1e-12),
    )


def image_shape(config: dict) -> tuple[int, int, int]:
    """(height, width, channels) of the images the checkpoint was made for."""
    size = config.get('image_size', 224)
    height, width = (size, size) if isinstance(size, int) else size
    return height, width, config.get('num_channels', 3)


def sample_inputs(config: dict) -> tuple[jax.Array]:
    return (jnp.zeros((1, *image_shape(config)), jnp.float32),)


def adapt(
    model: ViT, sample_inputs: tuple, name: str, value: jax.Array, shape: tuple
) -> tuple[jax.Array, str] | None:
    """(value reshaped to `shape`, what was done) for another image size or channel count.

    position/table [1 + N, D]: the class token's row is kept and the patches' rows, a square
    grid, are resampled bilinearly to the new grid of patches. patch_embedding/kernel
    [p, p, C, D] -> [p, p, 1, D]: summed over input channels, so a gray image gives the response
    the checkpoint gives to that image repeated in every channel.
    """
    if name == 'position/table':
        height, width = sample_inputs[0].shape[1:3]
        rows, cols = height // model.patch, width // model.patch
        grid = math.isqrt(value.shape[0] - 1)
        if grid * grid != value.shape[0] - 1 or rows * cols + 1 != shape[0]:
            return None
        patches = value[1:].reshape(grid, grid, value.shape[1])
        resized = jax.image.resize(patches, (rows, cols, value.shape[1]), method='linear')
        table = jnp.concatenate([value[:1], resized.reshape(rows * cols, -1)])
        return table, f'interpolated from a {grid}x{grid} to a {rows}x{cols} grid of patches'
    if name == 'patch_embedding/kernel' and shape[2] == 1 and value.shape[:2] == shape[:2]:
        summed = value.sum(axis=2, keepdims=True)
        return summed, f'summed over {value.shape[2]} input channels to 1'
    return None


def hf_config(model: ViT, params: dict) -> dict:
    """A ViT config.json describing `model`; the image size is read from the position table."""
    exportable(model, 'pool', ('cls',), ARCHITECTURE)
    exportable(model, 'norm', ('pre_ln',), ARCHITECTURE)
    exportable(model, 'stem', ('patch',), ARCHITECTURE)
    patches = params['position']['table'].shape[0] - 1
    grid = math.isqrt(patches)
    if grid * grid != patches:
        raise InteropError(
            f'ViT with {patches} patches cannot be exported as {ARCHITECTURE}; supported: '
            'square images (a square number of patches)'
        )
    return dict(
        architectures=[ARCHITECTURE],
        model_type='vit',
        image_size=grid * model.patch,
        patch_size=model.patch,
        num_channels=params['patch_embedding']['kernel'].shape[2],
        hidden_size=model.width,
        num_hidden_layers=model.depth,
        num_attention_heads=model.heads,
        intermediate_size=model.mlp_dim,
        hidden_act='gelu_new' if model.gelu_approximate else 'gelu',
        layer_norm_eps=model.layer_norm_epsilon,
        qkv_bias=True,
        hidden_dropout_prob=model.dropout,
        attention_probs_dropout_prob=model.attention_dropout,
        id2label={str(i): f'LABEL_{i}' for i in range(model.num_classes)},
        label2id={f'LABEL_{i}': i for i in range(model.num_classes)},
    )


def table(model: ViT) -> list[Tensor]:
    embeddings = 'vit.embeddings'
    rows = [
        same(f'{embeddings}.cls_token', 'cls/cls'),
        reshaped(f'{embeddings}.position_embeddings', 'position/table', (1,)),
        Tensor(
            f'{embeddings}.patch_embeddings.projection.weight',
            ('patch_embedding/kernel',),
            lambda w: (w.transpose(2, 3, 1, 0),),  # [D, C, p, p] -> [p, p, C, D]
            lambda k: k.transpose(3, 2, 0, 1),
        ),
        same(f'{embeddings}.patch_embeddings.projection.bias', 'patch_embedding/bias'),
        *layer_norm('vit.layernorm', 'encoder/encoder_norm'),
        *dense('classifier', 'head'),
    ]
    for layer in range(model.depth):
        hf, block = f'vit.encoder.layer.{layer}', f'encoder/blocks_{layer}'
        rows += [
            *layer_norm(f'{hf}.layernorm_before', f'{block}/attention_norm'),
            *layer_norm(f'{hf}.layernorm_after', f'{block}/mlp_norm'),
            *dense(f'{hf}.attention.output.dense', f'{block}/attention/out'),
            *dense(f'{hf}.intermediate.dense', f'{block}/mlp/hidden'),
            *dense(f'{hf}.output.dense', f'{block}/mlp/output'),
        ]
        for projection in ('query', 'key', 'value'):
            rows += dense(
                f'{hf}.attention.attention.{projection}', f'{block}/attention/{projection}'
            )
    return rows
