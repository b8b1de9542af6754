"""A TFDS catalogue dataset that is not prepared fails fast in one line when it cannot be
prepared here: without TensorFlow (the core leaves it out) or without the network."""

import importlib.util
import time

import pytest

from seqlab import config_defaults, data
from seqlab.config import ConfigError
from seqlab.data import catalogue


def config(tmp_path, name='tfds:mnist'):
    data_config = config_defaults.vision_data(name, batch_size=8)
    data_config.data_dir = str(tmp_path / 'cache')
    return data_config


def test_without_tensorflow_an_unprepared_catalogue_dataset_is_one_line_within_seconds(
    tmp_path, monkeypatch
):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, 'find_spec', lambda n, *a: None if n == 'tensorflow' else real(n, *a)
    )
    start = time.monotonic()
    with pytest.raises(
        ConfigError,
        match='tfds:mnist is not prepared in .*needs TensorFlow, .*'
        'allowed: pip install -r requirements-tfds.txt',
    ) as error:
        data.get(config(tmp_path), seed=0)
    assert time.monotonic() - start < 10 and '\n' not in str(error.value)
    assert not list((tmp_path / 'cache').rglob('*.array_record*'))


def test_offline_an_unprepared_catalogue_dataset_is_one_line_naming_the_manual_dir(
    tmp_path, monkeypatch
):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, 'find_spec', lambda n, *a: object() if n == 'tensorflow' else real(n, *a)
    )
    monkeypatch.setattr(catalogue, 'DOWNLOAD_HOST', '127.0.0.1')  # nothing listens on port 443
    with pytest.raises(
        ConfigError,
        match=r'127.0.0.1 cannot be reached to download it .*'
        'downloads/manual',
    ) as error:
        data.get(config(tmp_path), seed=0)
    assert '\n' not in str(error.value)


def test_a_catalogue_text_dataset_is_read_as_the_configs_modality(tmp_path):
    """A text config routes `tfds:` names to text, not vision (which would ask for images)."""
    assert data.modality_of(config(tmp_path, 'tfds:imdb_reviews')) == 'vision'
    text = config_defaults.text_data('tfds:imdb_reviews')
    assert data.modality_of(text) == 'text'
