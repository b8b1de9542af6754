"""One-line ConfigErrors for a text config, before any data is read (`check`), and for a dataset
whose features its layout cannot read (`layout_keys`, once the dataset is open)."""

import os

import ml_collections
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import builders
from seqlab.data.tokenizers import BYTE_VOCAB, KINDS, NUM_SPECIAL, PretrainedTokenizer

# config.data.layout: how the records become batches (a module of this package each).
LAYOUTS = ('classification', 'causal_lm', 'masked_lm', 'seq2seq')
PAIR_KEYS = ('source', 'target')


def check(data_config: ml_collections.ConfigDict) -> None:
    """One-line ConfigErrors for bad text keys, before any data is read."""
    kind = data_config.get('tokenizer')
    if kind not in (*KINDS, PretrainedTokenizer.kind):
        raise ConfigError(
            f'config.data.tokenizer={kind!r} is not allowed; allowed: '
            f"{', '.join(sorted(KINDS))}, 'pretrained' (with config.data.tokenizer_file)"
        )
    check_tokenizer_file(kind, data_config.get('tokenizer_file', ''))
    lengths = ('max_length', 'target_length') if 'target_length' in data_config else ('max_length',)
    for key, smallest in (('vocab_size', NUM_SPECIAL + 1), *((key, 1) for key in lengths)):
        value = data_config.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < smallest:
            raise ConfigError(
                f'config.data.{key}={value!r} is not allowed; allowed: an int >= {smallest}'
            )
    rate = data_config.get('mask_rate', 0.0)
    if not isinstance(rate, float) or not 0.0 <= rate < 1.0:
        raise ConfigError(
            f'config.data.mask_rate={rate!r} is not allowed; allowed: a float in [0, 1) (0 = off)'
        )
    if rate and data_config.max_length < 2:
        raise ConfigError(
            f'config.data.max_length={data_config.max_length} is too short for masked-LM windows; '
            'allowed: >= 2'
        )
    check_layout(data_config)
    check_tokenizer_dataset(data_config.get('tokenizer_dataset', ''))
    smallest = {'byte': BYTE_VOCAB, 'bpe': BYTE_VOCAB}.get(kind)
    if smallest and data_config.vocab_size < smallest:
        raise ConfigError(
            f'config.data.vocab_size={data_config.vocab_size} is too small for the {kind} '
            f'tokenizer; allowed: >= {smallest}'
        )


def check_layout(data_config: ml_collections.ConfigDict) -> None:
    """config.data.layout names one of LAYOUTS, with the keys it reads: mask_rate > 0 for
    masked_lm only, target_length for seq2seq."""
    layout, rate = data_config.get('layout'), data_config.get('mask_rate', 0.0)
    if layout not in LAYOUTS:
        raise ConfigError(
            f'config.data.layout={layout!r} is not allowed; allowed: {", ".join(LAYOUTS)}'
        )
    if (layout == 'masked_lm') != bool(rate):
        raise ConfigError(
            f'config.data.mask_rate={rate!r} is not allowed with config.data.layout={layout!r}; '
            "allowed: a float in (0, 1) for 'masked_lm', 0.0 for the other layouts"
        )
    if layout == 'seq2seq' and 'target_length' not in data_config:
        raise ConfigError(
            "config.data.layout='seq2seq' needs config.data.target_length, and it is not set; "
            'allowed: config_defaults.text_data(..., target_length=N)'
        )


def check_tokenizer_file(kind: str, path: str) -> None:
    """config.data.tokenizer_file names an existing file, for the 'pretrained' tokenizer only."""
    if (kind == PretrainedTokenizer.kind) != bool(path):
        raise ConfigError(
            f'config.data.tokenizer={kind!r} and config.data.tokenizer_file={path!r} do not go '
            "together; allowed: 'pretrained' with a tokenizer.json, another tokenizer with ''"
        )
    if path and not os.path.isfile(path):
        raise ConfigError(
            f'config.data.tokenizer_file={path!r} does not exist; allowed: a tokenizer.json'
        )


def check_tokenizer_dataset(name: str) -> None:
    """'' (this dataset) or an offline text dataset."""
    if not name:
        return
    text_datasets = [n for n in builders.names() if builders.module(n).MODALITY == 'text']
    if builders.split_name(name)[0] not in text_datasets:
        raise ConfigError(
            f'config.data.tokenizer_dataset={name!r} is not a text dataset; allowed: '
            f"'' (this dataset), {', '.join(text_datasets)}"
        )
    builders.check_config_name(name)


def layout_keys(data_config: ml_collections.ConfigDict, features) -> tuple[str, ...]:
    """The features `config.data.layout` reads and the tokenizer learns from: PAIR_KEYS for
    seq2seq, else ('text',); a one-line ConfigError if the dataset lacks them (or, for
    classification, a ClassLabel `label`)."""
    layout, name = data_config.layout, data_config.name
    wanted = PAIR_KEYS if layout == 'seq2seq' else ('text',)
    if set(wanted) <= set(features):
        label = features['label'] if 'label' in features else None
        if layout == 'classification' and not isinstance(label, tfds.features.ClassLabel):
            raise ConfigError(
                f"config.data.layout='classification' needs a ClassLabel feature `label`, and "
                f"dataset {name!r} has none; allowed: config.data.layout='causal_lm' or "
                "'masked_lm' for it"
            )
        return wanted
    if set(PAIR_KEYS) <= set(features):
        raise ConfigError(
            f'dataset {name!r} pairs a source with a target, and config.data.layout={layout!r} '
            "reads a `text`; allowed: config.data.layout='seq2seq' (with "
            'config.data.target_length)'
        )
    raise ConfigError(
        f'config.data.layout={layout!r} reads {" and ".join(wanted)}, and dataset {name!r} has '
        f'{", ".join(features)}; allowed: a dataset with `text` (classification, causal_lm, '
        'masked_lm) or `source` and `target` (seq2seq)'
    )
