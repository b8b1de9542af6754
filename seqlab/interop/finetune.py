"""Fine-tuning from a transformers checkpoint: config.init.source='hf:<dir>' (seqlab.train.init).

`set_model_fields` takes the model's architecture from the checkpoint's config.json (a command-line
override that contradicts it is a ConfigError) and, for text, the tokenizer from its
tokenizer.json if there is one (config.data.tokenizer 'pretrained', vocab_size the checkpoint's).
`initial_params` starts training from its weights: each parameter whose shape matches is copied,
a few are adapted (ViT: position embeddings interpolated to the new patch grid, the patch kernel
summed over input channels for 1-channel images), parameters the checkpoint lacks or whose head
shape differs are re-initialised, and checkpoint parameters the model lacks are dropped. Every
adaptation is logged.
"""

import logging
import os
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import jax
import jax.numpy as jnp
import ml_collections
from flax import linen as nn
from flax import traverse_util

from seqlab import interop
from seqlab.config import ConfigError
from seqlab.data.tokenizers import PretrainedTokenizer, load_tokenizer
from seqlab.interop import checkpoint_dir
from seqlab.train.init import HF_PREFIX

log = logging.getLogger('seqlab')
TOKENIZER = 'tokenizer.json'  # transformers' tokenizer file, read with HF `tokenizers`


def _open(path: str) -> tuple[dict, dict, ModuleType, dict]:
    """(config.json, tensors, architecture module, model arguments) of the checkpoint."""
    try:
        config, tensors = checkpoint_dir.read(path)
        arch = interop.architecture_of(config)
        return config, tensors, arch, interop.model_kwargs(arch, config)
    except interop.InteropError as error:
        raise ConfigError(f'config.init.source={HF_PREFIX}{path}: {error}') from None


def set_model_fields(
    config: ml_collections.ConfigDict, overrides: Mapping[str, str], path: str
) -> None:
    """Set config.model.kwargs from the checkpoint in `path`, and a text config's tokenizer from
    its tokenizer.json if it has one.

    `overrides` are the command line's `--config.key=value` pairs: one that sets a model argument
    to another value than the checkpoint's is a ConfigError. Arguments the data decides
    (vocab_size, num_classes) are left to the task.
    """
    _, _, arch, checkpoint_kwargs = _open(path)
    if os.path.isfile(os.path.join(path, TOKENIZER)) and 'tokenizer' in config.data:
        use_tokenizer(config, overrides, path, checkpoint_kwargs['vocab_size'])
    if config.model.name != arch.NAME:
        raise ConfigError(
            f'config.init.source={HF_PREFIX}{path} is a {arch.ARCHITECTURE} checkpoint for model '
            f'{arch.NAME!r}; config.model.name={config.model.name!r}'
        )
    kwargs = {k: v for k, v in checkpoint_kwargs.items() if k not in arch.DATA_KEYS}
    for key, value in kwargs.items():
        override = f'model.kwargs.{key}'
        if override in overrides and config.model.kwargs.get(key) != value:
            raise ConfigError(
                f'--config.{override}={overrides[override]} contradicts the checkpoint '
                f'{path} ({key}={value!r}); allowed: {value!r} or no override'
            )
    for key, value in kwargs.items():
        if key in config.model.kwargs:  # replaced, not set: a FieldReference would set its source
            del config.model.kwargs[key]
        config.model.kwargs[key] = value


def use_tokenizer(
    config: ml_collections.ConfigDict, overrides: Mapping[str, str], path: str, vocab_size: int
) -> None:
    """The text is tokenized with <path>/tokenizer.json; config.data.vocab_size becomes the
    checkpoint's (its embedding table's rows), which the tokenizer's ids must not exceed."""
    file = os.path.join(path, TOKENIZER)
    data = {'tokenizer': PretrainedTokenizer.kind, 'tokenizer_file': file, 'vocab_size': vocab_size}
    for key, value in data.items():
        override = f'data.{key}'
        if override in overrides and str(config.data.get(key)) != str(value):
            raise ConfigError(
                f'--config.{override}={overrides[override]} contradicts the checkpoint {path} '
                f'(its {TOKENIZER}: {key}={value!r}); allowed: {value!r} or no override'
            )
    try:
        tokenizer = load_tokenizer(file)
    except ConfigError as error:
        raise ConfigError(f'config.init.source={HF_PREFIX}{path}: {error}') from None
    if tokenizer.vocab_size > vocab_size:
        raise ConfigError(
            f'config.init.source={HF_PREFIX}{path}: {TOKENIZER} has {tokenizer.vocab_size} ids '
            f'and the embedding table {vocab_size} rows (config.json vocab_size); allowed: a '
            f'tokenizer of at most {vocab_size} ids'
        )
    if any(config.data.get(key) != value for key, value in data.items()):
        log.info('text tokenized with %s (%d ids)', file, tokenizer.vocab_size)
    config.data.update(data)


def initial_params(path: str, model: nn.Module, sample_inputs: tuple, fresh: dict) -> dict:
    """`model`'s params started from the checkpoint in `path`; `fresh` (a random initialisation
    of `model`) supplies the re-initialised ones (see the module docstring)."""
    hf_config, tensors, arch, checkpoint_kwargs = _open(path)
    source_model = model.clone(**checkpoint_kwargs)
    try:
        loaded = interop.load_params(arch, source_model, hf_config, tensors)
    except interop.InteropError as error:
        raise ConfigError(f'config.init.source={HF_PREFIX}{path}: {error}') from None
    source = traverse_util.flatten_dict(loaded, sep='/')
    target = traverse_util.flatten_dict(fresh, sep='/')
    params, reinitialised = {}, []
    for name, initial in target.items():
        if name not in source:
            params[name] = initial
            reinitialised.append(f'{name} (not in the checkpoint)')
        elif source[name].shape == initial.shape:
            params[name] = source[name]
        else:
            params[name] = _adapt(arch, model, sample_inputs, path, name, source[name], initial)
            if params[name] is initial:
                reinitialised.append(f'{name} {list(source[name].shape)} -> {list(initial.shape)}')
    dropped = sorted(set(source) - set(target))
    log.info('%s%s: %d parameters loaded', HF_PREFIX, path, len(target) - len(reinitialised))
    if reinitialised:
        log.info('%s%s: re-initialised %s', HF_PREFIX, path, ', '.join(reinitialised))
    if dropped:
        log.info(
            '%s%s: checkpoint parameters the model does not use: %s',
            HF_PREFIX,
            path,
            ', '.join(dropped),
        )
    return traverse_util.unflatten_dict(params, sep='/')


def start(
    path: str, state: Any, model: nn.Module, sample_inputs: tuple, tx: Any, shardings: Any
) -> Any:
    """The fresh TrainState `state` with the params of `initial_params`, a fresh optimizer state
    `tx.init` for them and step 0, placed by `shardings`."""
    params = initial_params(path, model, sample_inputs, state.params)
    begin = jax.jit(
        lambda s, p: s.replace(params=p, opt_state=tx.init(p)),
        out_shardings=shardings,
        donate_argnums=0,
    )
    return begin(state, params)


def _adapt(
    arch, model, sample_inputs, path: str, name: str, value: jax.Array, fresh: jax.Array
) -> jax.Array:
    """An adapted checkpoint value, `fresh` for a head, or a ConfigError."""
    adapted = arch.adapt(model, sample_inputs, name, value, fresh.shape)
    if adapted is not None:
        log.info('%s%s: %s %s', HF_PREFIX, path, name, adapted[1])
        return jnp.asarray(adapted[0], fresh.dtype)
    if name.split('/')[0] in arch.HEADS:
        return fresh
    raise ConfigError(
        f'config.init.source={HF_PREFIX}{path}: parameter {name} has shape {list(value.shape)} in '
        f'the checkpoint; the model needs {list(fresh.shape)}'
    )
