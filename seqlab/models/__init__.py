"""Model registry: `models.get(config.model.name)(**config.model.kwargs)`.

A model's `apply(variables, *inputs, train=...)` returns its outputs (logits or predictions) only.
A model class may define `check(kwargs, input_shape)` raising ConfigError for settings that cannot
work with the data (for example a patch size that does not divide the image).
"""

import dataclasses
import importlib

from seqlab.config import ConfigError

_MODELS = {
    'vit': 'seqlab.models.vit:ViT',
    'mixer': 'seqlab.models.mixer:Mixer',
    'spec_cnn': 'seqlab.models.spec_cnn:SpecCNN',
    'graphormer': 'seqlab.models.graphormer:Graphormer',
    'text_cnn': 'seqlab.models.text_cnn:TextCNN',
    'text_transformer': 'seqlab.models.text_transformer:TextTransformer',
    'gpt': 'seqlab.models.gpt:GPT',
    'bert': 'seqlab.models.bert:BERT',
    'wavenet': 'seqlab.models.wavenet:WaveNet',
    'wave_cnn': 'seqlab.models.wave_cnn:WaveCNN',
    'causal_cnn': 'seqlab.models.causal_cnn:CausalCNN',
    'audio_transformer': 'seqlab.models.audio_transformer:AudioTransformer',
    'forecaster': 'seqlab.models.forecaster:Forecaster',
    'rnn': 'seqlab.models.rnn:RNNClassifier',
    'seq2seq': 'seqlab.models.seq2seq:Seq2Seq',
}


def names() -> list[str]:
    return sorted(_MODELS)


def get(name: str) -> type:
    """The linen module class registered under `name`."""
    if name not in _MODELS:
        raise ConfigError(
            f'config.model.name={name!r} is not a model; allowed: {", ".join(names())}'
        )
    module, attr = _MODELS[name].split(':')
    return getattr(importlib.import_module(module), attr)


def fields(model_class: type) -> list[str]:
    """Constructor arguments a user may set through config.model.kwargs."""
    return [f.name for f in dataclasses.fields(model_class) if f.name not in ('parent', 'name')]


SHARED_OPTIONS = ('dtype', 'attention')  # every model that has one takes it from the config


def shared_defaults(name: str) -> dict:
    """{'dtype': 'float32', 'attention': 'auto'}: the shared options model `name` has, with
    its defaults (empty for an unknown name), so that a config can override them."""
    if name not in _MODELS:
        return {}
    options = {f.name: f.default for f in dataclasses.fields(get(name))}
    return {key: options[key] for key in SHARED_OPTIONS if key in options}
