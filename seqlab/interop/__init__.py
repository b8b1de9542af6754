"""Hugging Face transformers checkpoints in and out, without PyTorch or transformers.

    model, variables = interop.from_transformers(path)   # config.json + model.safetensors
    interop.to_transformers(model, variables, path)      # a directory from_pretrained loads

`model` is seqlab's own linen model (GPT, BERT or ViT), `variables` its {'params': ...}. One table
per architecture (gpt2.py, bert.py, vit.py) maps every tensor both ways (mapping.py).
"""

import importlib
from types import ModuleType

import jax
import jax.numpy as jnp
from flax import linen as nn

from seqlab.interop import checkpoint_dir, mapping
from seqlab.interop.errors import InteropError
from seqlab.layers.transformer import stack_blocks, unstack_blocks

__all__ = ['InteropError', 'architecture', 'from_transformers', 'to_transformers']

_ARCHITECTURES = {
    'BertForMaskedLM': 'seqlab.interop.bert',
    'GPT2LMHeadModel': 'seqlab.interop.gpt2',
    'ViTForImageClassification': 'seqlab.interop.vit',
}


def architecture(name: str) -> ModuleType:
    """The module converting transformers architecture `name` ('GPT2LMHeadModel', ...)."""
    if name not in _ARCHITECTURES:
        raise InteropError(
            f'architecture {name!r} is not supported; '
            f'supported: {", ".join(sorted(_ARCHITECTURES))}'
        )
    return importlib.import_module(_ARCHITECTURES[name])


def architecture_of(config: dict) -> ModuleType:
    names = config.get('architectures') or [None]
    return architecture(names[0])


def _for_model(model: nn.Module) -> ModuleType:
    for name in _ARCHITECTURES:
        module = architecture(name)
        if type(model) is module.MODEL:
            return module
    supported = sorted(architecture(name).MODEL.__name__ for name in _ARCHITECTURES)
    raise InteropError(
        f'{type(model).__name__} cannot be exported to transformers; '
        f'supported: {", ".join(supported)}'
    )


def from_transformers(path: str) -> tuple[nn.Module, dict]:
    """(seqlab model, {'params': ...}) from a transformers directory; inference by default."""
    config, tensors = checkpoint_dir.read(path)
    arch = architecture_of(config)
    model = arch.MODEL(**model_kwargs(arch, config))
    return model, {'params': load_params(arch, model, config, tensors)}


def model_kwargs(arch: ModuleType, config: dict) -> dict:
    """The seqlab model's arguments from config.json; a missing key is an InteropError."""
    try:
        return arch.model_kwargs(config)
    except KeyError as error:
        raise InteropError(
            f'config.json has no {error.args[0]!r}, which {arch.ARCHITECTURE} needs'
        ) from None


def load_params(arch: ModuleType, model: nn.Module, config: dict, tensors: dict) -> dict:
    """`model`'s params (scanned or not, as the model is) from checkpoint `tensors`."""
    expected = mapping.flat_shapes(model.clone(scan=False), arch.sample_inputs(config))
    table = arch.table(model)
    params = mapping.load(table, _with_prefix(tensors, arch.PREFIX, table), expected, arch.UNUSED)
    params = jax.tree.map(jnp.asarray, params)
    if model.scan:
        params[arch.STACK] = stack_blocks(params[arch.STACK], model.depth)
    return params


def _with_prefix(tensors: dict, prefix: str, table: list[mapping.Tensor]) -> dict:
    """Names as the table has them: checkpoints of the base model (GPT-2's own, for one) store
    'h.0.ln_1.weight' for 'transformer.h.0.ln_1.weight'."""
    if any(name.startswith(prefix) for name in tensors):
        return tensors
    known = {row.name for row in table}
    return {name if name in known else prefix + name: t for name, t in tensors.items()}


def to_transformers(model: nn.Module, variables: dict, path: str) -> None:
    """Write `model` and `variables` as a transformers directory (config.json + safetensors)."""
    arch = _for_model(model)
    config = arch.hf_config(model, variables['params'])  # checks that the model can be exported
    params = jax.device_get(dict(variables['params']))  # numpy: slicing compiles nothing
    if model.scan:
        params[arch.STACK] = unstack_blocks(params[arch.STACK], model.depth)
    checkpoint_dir.write(path, config, mapping.export(arch.table(model), params))
