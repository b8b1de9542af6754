"""A table's rows as a text dataset: `keys.text` the text and, when the table has it,
`keys.label` the class (its distinct values, sorted; numerically when all are integers), or a
language-modelling dataset without one."""

import ml_collections
import numpy as np
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import keys
from seqlab.data.files import builder, tables


def class_names(values: list) -> list[str]:
    """The distinct labels as strings, sorted (as integers when every one is an integer)."""
    names = sorted({str(value) for value in values})
    if all(name.lstrip('-').isdigit() for name in names):
        names.sort(key=int)
    return names


def plan(
    table: tables.Table, data_config: ml_collections.ConfigDict, *, kind: str, config_name: str
) -> builder.Plan:
    """What the table prepares into as text (module docstring)."""
    texts = table.column('text', data_config)
    for i, value in enumerate(texts):
        if not isinstance(value, str):
            raise ConfigError(
                f'config.data.name={table.name!r}: {table.sources[i]} has {value!r} in column '
                f'{keys.get(data_config)["text"]!r} (config.data.keys.text); allowed: strings'
            )
    labelled = table.has_column('label', data_config) or (
        keys.get(data_config)['label'] != keys.DEFAULTS['label']
    )
    if not labelled and data_config.get('layout') == 'classification':
        raise ConfigError(
            f'config.data.name={table.name!r} has no column '
            f'{keys.get(data_config)["label"]!r} (config.data.keys.label), and '
            "config.data.layout='classification' needs its labels; allowed: "
            f'config.data.keys.label set to one of {", ".join(map(repr, table.rows[0]))}, or '
            "config.data.layout='causal_lm' or 'masked_lm'"
        )
    features = {'id': tfds.features.Scalar(dtype=np.int64), 'text': tfds.features.Text()}
    labels, names = [], []
    if labelled:
        labels = [str(value) for value in table.column('label', data_config)]
        names = class_names(labels)
        features['label'] = tfds.features.ClassLabel(names=names)
    label_ids = {name: k for k, name in enumerate(names)}

    def example(i: int) -> dict:
        stored = {'id': i, 'text': texts[i]}
        return {**stored, 'label': label_ids[labels[i]]} if labelled else stored

    return builder.Plan(
        kind=kind,
        config_name=config_name,
        description=f'Texts in the rows of {table.root}.',
        features=tfds.features.FeaturesDict(features),
        splits=table.splits(),
        sources=dict(enumerate(table.sources)),
        example=example,
    )
