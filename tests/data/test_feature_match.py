"""`config.data.keys` matched against a catalogue dataset's features before it is prepared."""

import numpy as np
import pytest
import tensorflow_datasets as tfds

from seqlab import config_defaults
from seqlab.config import ConfigError
from seqlab.data import feature_match

NEWS = tfds.features.FeaturesDict(
    {
        'label': tfds.features.ClassLabel(names=['a', 'b']),
        'title': tfds.features.Text(),
        'description': tfds.features.Text(),
    }
)
PHOTOS = tfds.features.FeaturesDict(
    {'photo': tfds.features.Image(shape=(8, 8, 3)), 'size': tfds.features.Scalar(np.int64)}
)


def text(**keys):
    config = config_defaults.text_data('tfds:ag_news_subset', 4, 'word', 100, 8)
    config['keys'].update(keys)
    return config


def vision(name='tfds:photos', **keys):
    config = config_defaults.vision_data(name)
    config['keys'].update(keys)
    return config


def test_keys_name_the_features_and_a_default_falls_to_the_one_feature_of_its_kind():
    assert feature_match.match(NEWS, 'text', text(text='title')) == {
        'text': 'title',
        'label': 'label',
    }
    assert feature_match.match(PHOTOS, 'vision', vision()) == {'image': 'photo'}  # no label
    language_model = text(text='description')
    language_model.layout = 'causal_lm'
    assert feature_match.match(NEWS, 'text', language_model) == {'text': 'description'}


@pytest.mark.parametrize(
    ('features', 'modality', 'config', 'message'),
    [
        (
            NEWS,
            'text',
            text(text='label'),
            "config.data.keys.text='label' is a ClassLabel feature, not Text; its features: label "
            '(ClassLabel), title (Text), description (Text); allowed: '
            '--config.data.keys.text=title or --config.data.keys.text=description',
        ),
        (
            NEWS,
            'vision',
            vision('tfds:ag_news_subset'),
            "config.data.keys.image='image' is not a feature, and it has no image feature; its "
            'features: label (ClassLabel), title (Text), description (Text); allowed: a text '
            'config (its features fit)',
        ),
        (
            PHOTOS,
            'vision',
            vision(label='kind'),
            "config.data.keys.label='kind' is not a feature, and it has no ClassLabel feature; its "
            'features: photo (image), size (Scalar); allowed: a dataset with a ClassLabel feature',
        ),
    ],
)
def test_a_dataset_the_config_cannot_read_is_one_line(features, modality, config, message):
    with pytest.raises(ConfigError) as error:
        feature_match.match(features, modality, config)
    assert str(error.value) == f'config.data.name={config.name!r} read as {modality}: {message}'
