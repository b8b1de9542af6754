"""Which feature of a TFDS dataset holds each thing a config reads: `config.data.keys` matched
against the dataset's features, before anything is downloaded or prepared.

A modality reads (`reads`): vision an image and, when there is one, a label; text a text and, for
the classification layout, a label; audio a clip and, when there is one, a label. `keys.<name>`
names the feature that holds it. A key left at its default that the dataset lacks falls to the
dataset's one feature of that kind (its only image, Text, Audio or ClassLabel feature). Anything
else is one line naming the dataset's features and the keys to set: a key naming no feature or a
feature of another kind, a kind the dataset has several of (ag_news_subset's `title` and
`description`), or none at all (a text dataset read by a vision config).
"""

from collections.abc import Callable

import ml_collections
import numpy as np
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import keys, vision

AUDIO_DTYPES = (np.int16, np.int32, np.int64, np.float32, np.float64)


def is_audio(feature: tfds.features.FeatureConnector) -> bool:
    """An `Audio` feature, or a 1-D int or float `Tensor` of samples."""
    return isinstance(feature, tfds.features.Audio) or (
        isinstance(feature, tfds.features.Tensor)
        and len(feature.shape) == 1
        and np.dtype(feature.np_dtype) in AUDIO_DTYPES
    )


# kind -> whether a feature is of it (the kinds named in errors).
KINDS: dict[str, Callable[[tfds.features.FeatureConnector], bool]] = {
    'image': vision.is_image,
    'Text': lambda feature: isinstance(feature, tfds.features.Text),
    'Audio': is_audio,
    'ClassLabel': lambda feature: isinstance(feature, tfds.features.ClassLabel),
}
# modality -> (seqlab name, kind, whether every dataset of the modality must have it)
READS = {
    'vision': (('image', 'image', True), ('label', 'ClassLabel', False)),
    'audio': (('audio', 'Audio', True), ('label', 'ClassLabel', False)),
    'text': (('text', 'Text', True), ('label', 'ClassLabel', True)),
}


def reads(modality: str, data_config: ml_collections.ConfigDict) -> tuple:
    """What the config reads of a dataset: (seqlab name, kind, required) for `modality`; a text
    config reads a label only in the classification layout, and pairs (seq2seq) by their own
    names, `source` and `target`."""
    if modality != 'text':
        return READS.get(modality, ())
    layout = data_config.get('layout', 'classification')
    if layout == 'seq2seq':
        return ()
    return READS['text'] if layout == 'classification' else READS['text'][:1]


def kind_of(feature: tfds.features.FeatureConnector) -> str:
    """The kind of `feature` as errors name it: a KINDS name, else its class name."""
    return next((kind for kind, test in KINDS.items() if test(feature)), type(feature).__name__)


def listing(features: tfds.features.FeaturesDict) -> str:
    """'description (Text), label (ClassLabel), title (Text)'."""
    return ', '.join(f'{key} ({kind_of(feature)})' for key, feature in features.items())


def fitting(features: tfds.features.FeaturesDict) -> list[str]:
    """The modalities whose required kinds the dataset has."""
    return [
        modality
        for modality, wanted in READS.items()
        if all(any(KINDS[kind](f) for f in features.values()) for _, kind, need in wanted if need)
    ]


def match(
    features: tfds.features.FeaturesDict,
    modality: str,
    data_config: ml_collections.ConfigDict,
) -> dict[str, str]:
    """seqlab name -> the dataset's feature, for what `modality` reads (module docstring). An
    optional one (a label) the dataset lacks, or holds under its default name as another kind, is
    left out; a one-line ConfigError otherwise."""
    chosen = keys.get(data_config)
    found = {}
    for name, kind, required in reads(modality, data_config):
        key, explicit = chosen[name], chosen[name] != keys.DEFAULTS[name]
        candidates = [k for k, feature in features.items() if KINDS[kind](feature)]
        if key in features and KINDS[kind](features[key]):
            found[name] = key
        elif not explicit and key not in features and len(candidates) == 1:
            found[name] = candidates[0]
        elif required or explicit or (key not in features and candidates):
            raise mismatch(features, modality, data_config, name, kind, candidates)
    return found


def mismatch(
    features: tfds.features.FeaturesDict,
    modality: str,
    data_config: ml_collections.ConfigDict,
    name: str,
    kind: str,
    candidates: list[str],
) -> ConfigError:
    """The one-line error for a `name` (of `kind`) that keys do not match to one feature."""
    key = keys.get(data_config)[name]
    if key in features:
        problem = f'is a {kind_of(features[key])} feature, not {kind}'
    elif candidates:
        count = len(candidates)
        problem = f'is not a feature, and it has {count} {kind} feature{"s" * (count > 1)}'
    else:
        problem = f'is not a feature, and it has no {kind} feature'
    if candidates:
        allowed = ' or '.join(f'--config.data.keys.{name}={c}' for c in candidates)
    else:
        others = [m for m in fitting(features) if m != modality]
        allowed = (
            f'a {" or ".join(others)} config (its features fit)'
            if others
            else f'a dataset with a {kind} feature'
        )
    return ConfigError(
        f'config.data.name={data_config.name!r} read as {modality}: config.data.keys.{name}='
        f'{key!r} {problem}; its features: {listing(features)}; allowed: {allowed}'
    )
