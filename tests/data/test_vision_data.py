"""Vision builders (Fashion-MNIST, digits), vision transforms, the tfds: path and config errors."""

import gzip
import hashlib
import importlib
import os
import subprocess
import sys
import types

import ml_collections
import numpy as np
import pytest
import sklearn.datasets
import tensorflow_datasets as tfds
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from tensorflow_datasets.testing import mocking

from seqlab import data
from seqlab.config import ConfigError
from seqlab.data import builders, catalogue, modality, vision
from seqlab.data.builders import digits, fashion_mnist


def config(**overrides) -> ml_collections.ConfigDict:
    values = {
        'name': 'digits',
        'batch_size': 8,
        'eval_batch_size': 8,
        'data_dir': '',
        'train_split': 'train',
        'eval_split': 'test',
        'augment': 'none',
    }
    return ml_collections.ConfigDict({**values, **overrides})


def read_all(source) -> list[dict]:
    return source.__getitems__(list(range(len(source))))


# Fashion-MNIST.


@pytest.fixture(scope='module')
def fashion(data_dir) -> dict:
    builder = builders.offline('fashion_mnist', str(data_dir))
    return {split: builder.as_data_source(split=split) for split in ('train', 'test')}


@pytest.mark.slow
def test_fashion_mnist_counts_shapes_and_balanced_labels(fashion):
    assert (len(fashion['train']), len(fashion['test'])) == (60_000, 10_000)
    train = read_all(fashion['train'])
    labels = np.array([record['label'] for record in train])
    np.testing.assert_array_equal(np.bincount(labels, minlength=10), [6_000] * 10)
    assert {record['image'].shape for record in train[:100]} == {(28, 28, 1)}
    assert {record['image'].dtype for record in train[:100]} == {np.dtype(np.uint8)}
    np.testing.assert_array_equal(np.sort([record['id'] for record in train]), np.arange(60_000))


@pytest.mark.slow
@pytest.mark.parametrize(('split', 'prefix'), [('train', 'train'), ('test', 't10k')])
def test_fashion_mnist_images_and_labels_match_the_raw_idx_files(fashion, split, prefix):
    source = fashion[split]
    with gzip.open(fashion_mnist.SOURCE_DIR / f'{prefix}-images-idx3-ubyte.gz') as file:
        raw_images = file.read()
    with gzip.open(fashion_mnist.SOURCE_DIR / f'{prefix}-labels-idx1-ubyte.gz') as file:
        raw_labels = file.read()
    for position in np.random.default_rng(0).integers(0, len(source), size=20):
        record = source[int(position)]
        start = 16 + 784 * record['id']
        pixels = np.frombuffer(raw_images[start : start + 784], np.uint8).reshape(28, 28, 1)
        np.testing.assert_array_equal(record['image'], pixels)
        assert record['label'] == raw_labels[8 + record['id']] and 0 <= record['label'] <= 9


def test_fashion_mnist_reader_gives_the_known_first_examples():
    images = fashion_mnist.read_images(fashion_mnist.SOURCE_DIR / 'train-images-idx3-ubyte.gz')
    labels = fashion_mnist.read_labels(fashion_mnist.SOURCE_DIR / 'train-labels-idx1-ubyte.gz')
    assert images.shape == (60_000, 28, 28, 1) and labels.shape == (60_000,)
    assert labels[:5].tolist() == [9, 0, 0, 3, 0]  # Ankle boot, T-shirt, T-shirt, dress, T-shirt.
    assert images[0, 4, 12:16, 0].tolist() == [3, 0, 36, 136]
    assert (images[0].sum(), images[0, 0].sum()) == (76_247, 0)


def test_fashion_mnist_missing_files_name_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setattr(fashion_mnist, 'SOURCE_DIR', tmp_path)
    with pytest.raises(ConfigError, match='apt-get install dataset-fashion-mnist'):
        fashion_mnist.read_images(tmp_path / 'train-images-idx3-ubyte.gz')


def test_fashion_mnist_checksum_mismatch_names_file_and_both_hashes(tmp_path):
    path = tmp_path / 't10k-labels-idx1-ubyte.gz'
    path.write_bytes(gzip.compress(b'not the labels'))
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    expected = fashion_mnist.SHA256[path.name]
    with pytest.raises(ConfigError, match=f'{path}.*{actual}.*{expected}'):
        fashion_mnist.read_labels(path)


# Digits.


def test_digits_split_is_disjoint_complete_and_about_80_20():
    parts = digits.split_indices(1797)
    train, test = set(parts['train']), set(parts['test'])
    assert not train & test and train | test == set(range(1797))
    assert (len(train), len(test)) == (1445, 352)


def test_digits_builder_stores_each_split_from_load_digits(data_dir):
    builder = builders.offline('digits', str(data_dir))
    source = sklearn.datasets.load_digits()
    ids = {}
    for split, indices in digits.split_indices(1797).items():
        records = read_all(builder.as_data_source(split=split))
        ids[split] = sorted(record['id'] for record in records)
        assert ids[split] == indices.tolist()
        for record in records[:50]:
            expected = np.rint(source.images[record['id']] * 255 / 16).astype(np.uint8)
            np.testing.assert_array_equal(record['image'][..., 0], expected)
            assert record['label'] == source.target[record['id']]
    assert max(record['image'].max() for record in records) == 255


def test_offline_names_are_the_builder_modules():
    assert {'digits', 'fashion_mnist'} <= set(data.names())
    assert builders.module('digits').MODALITY == builders.module('fashion_mnist').MODALITY
    assert builders.builder_class('fashion_mnist').name == 'fashion_mnist'


def test_every_modality_has_a_splits_module_and_every_builder_a_modality():
    assert tuple(data.SPLITS_MODULES) == modality.MODALITIES
    assert {builders.module(name).MODALITY for name in data.names()} <= set(data.SPLITS_MODULES)
    for name in data.SPLITS_MODULES.values():  # imported by name when a config reads it
        module = importlib.import_module(name)
        assert callable(module.check) and callable(module.recipe), name


def test_concurrent_preparation_builds_once_and_every_process_sees_the_splits(tmp_path):
    prepare = (
        'import sys; from seqlab.data import builders; '
        "b = builders.offline('digits', sys.argv[1]); "
        "print(len(b.as_data_source(split='train')), len(b.as_data_source(split='test')))"
    )
    other = subprocess.Popen(
        [sys.executable, '-c', prepare, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    here = builders.offline('digits', str(tmp_path))  # Races the other process for the lock.
    output = other.communicate(timeout=120)[0]
    assert other.returncode == 0 and output.splitlines()[-1] == '1445 352'
    sizes = [len(here.as_data_source(split=split)) for split in ('train', 'test')]
    assert sizes == [1445, 352]
    assert [path.name for path in (tmp_path / 'digits').iterdir()] == ['1.0.0']  # No leftovers.


# Vision transforms.


BATCHES = hnp.arrays(
    np.uint8,
    st.tuples(st.integers(1, 4), st.integers(1, 6), st.integers(1, 6), st.integers(1, 3)),
    elements=st.integers(1, 255),  # Nonzero, so zero padding is told apart from pixels.
)


@settings(max_examples=30, deadline=None)
@given(images=BATCHES, data=st.data())
def test_pad_crop_shifts_each_image_by_its_own_offset_filled_with_zeros(images, data):
    shifts = data.draw(hnp.arrays(np.int64, (len(images), 2), elements=st.integers(0, 4)))
    cropped = vision.pad_crop(images, shifts)
    _, height, width, _ = images.shape
    for image, (top, left), out in zip(images, shifts, cropped, strict=True):
        padded = np.pad(image, ((2, 2), (2, 2), (0, 0)))
        np.testing.assert_array_equal(out, padded[top : top + height, left : left + width])


@settings(max_examples=20, deadline=None)
@given(images=BATCHES, data=st.data())
def test_flip_mirrors_exactly_the_chosen_images(images, data):
    flips = data.draw(hnp.arrays(np.bool_, len(images)))
    for image, chosen, out in zip(images, flips, vision.flip(images, flips), strict=True):
        np.testing.assert_array_equal(out, image[:, ::-1] if chosen else image)


def test_draws_flip_about_half_the_images_and_shift_uniformly_within_the_padding():
    parameters = vision.draw(np.random.default_rng(0), 1000, crop=True)
    assert parameters['flip'].shape == (1000,) and 450 <= parameters['flip'].sum() <= 550
    assert parameters['shift'].shape == (1000, 2)
    assert (np.bincount(parameters['shift'].ravel()) > 300).sum() == 5  # Each of 0..4, ~400.
    assert vision.draw(np.random.default_rng(0), 1000, crop=False).keys() == {'flip'}


def test_image_feature_picks_the_first_image_and_rejects_variable_shapes():
    features = {
        'label': tfds.features.ClassLabel(num_classes=3),
        'photo': tfds.features.Image(shape=(5, 4, 3)),
        'other': tfds.features.Image(shape=(2, 2, 1)),
    }
    assert vision.image_feature(features) == 'photo'
    assert vision.image_shape(tfds.features.Tensor(shape=(7, 6), dtype=np.uint8)) == (7, 6, 1)
    with pytest.raises(ValueError, match=r"'photo' has variable shape \(None, None, 3\)"):
        vision.image_feature({'photo': tfds.features.Image(shape=(None, None, 3))})
    with pytest.raises(ValueError, match=r"no image feature among \['label'\]"):
        vision.image_feature({'label': tfds.features.ClassLabel(num_classes=3)})


# The tfds: catalogue path, offline with TFDS mock data.


@pytest.fixture
def mock_catalogue(monkeypatch):
    # tfds 4.9.10's mock binds the batched read (`__getitems__`) without `self`; fix it.
    monkeypatch.setattr(
        mocking, '_getitems', lambda keys, generator, serialized=False: [generator[k] for k in keys]
    )
    # Mock data stands in for preparation, which needs TensorFlow and the network.
    monkeypatch.setattr(catalogue, 'preparable', lambda name, data_dir: None)
    with tfds.testing.mock_data(num_examples=20, policy=tfds.testing.MockPolicy.USE_CODE):
        yield


@pytest.mark.parametrize(('name', 'shape'), [('mnist', (28, 28, 1)), ('cifar10', (32, 32, 3))])
def test_catalogue_dataset_maps_image_and_label(mock_catalogue, tmp_path, name, shape):
    splits = data.get(config(name=f'tfds:{name}', data_dir=str(tmp_path)), seed=0)
    assert splits.info.name == f'tfds:{name}' and splits.info.input_shape == shape
    assert (splits.info.num_train, splits.info.num_eval, splits.info.num_classes) == (20, 20, 10)
    batches = list(splits.eval)
    assert [batch['image'].shape for batch in batches] == [(8, *shape)] * 3
    ids = np.concatenate([batch['id'] for batch in batches])
    np.testing.assert_array_equal(ids, [*range(20), -1, -1, -1, -1])
    train = next(iter(splits.train))
    assert sorted(train['id']) != list(range(8)) and set(train['label']) <= set(range(10))


# Config errors: one line naming the key, the value and what is allowed.


@pytest.mark.parametrize(
    ('overrides', 'message'),
    [
        (
            {'name': 'fashon_mnist'},
            "config.data.name='fashon_mnist' is not a dataset; allowed: .*digits, "
            r'.*fashion_mnist.*, or tfds:<catalogue name>',
        ),
        ({'name': 'tfds:mnst'}, "config.data.name='tfds:mnst': 'mnst' is not in the TFDS"),
        ({'augment': 'rotate'}, "config.data.augment='rotate' is not allowed; allowed: none, flip"),
        ({'batch_size': 0}, 'config.data.batch_size=0 is not allowed; allowed: an int >= 1'),
        ({'eval_batch_size': 2.5}, 'config.data.eval_batch_size=2.5 is not allowed'),
        ({'train_split': ''}, "config.data.train_split='' is not allowed"),
        ({'data_dir': None}, 'config.data.data_dir=None is not allowed'),
    ],
)
def test_bad_config_values_give_one_line_errors(overrides, message):
    with pytest.raises(ValueError, match=message) as error:
        data.check(config(**overrides))
    assert '\n' not in str(error.value)


def test_unknown_split_names_the_allowed_splits():
    """digits ships train and test; validation is carved from train (seqlab/data/holdout.py)."""
    with pytest.raises(
        ConfigError, match="config.data.eval_split='dev': .*; allowed: test, train, validation$"
    ):
        data.get(config(eval_split='dev'), seed=0)


def test_a_dataset_of_another_modality_is_not_implemented_yet(monkeypatch):
    monkeypatch.setattr(builders, 'names', lambda: ['digits', 'speech'])
    monkeypatch.setattr(builders, 'module', lambda name: types.SimpleNamespace(MODALITY='smell'))
    with pytest.raises(NotImplementedError, match="modality 'smell' are not wired into data.get"):
        data.get(config(name='speech'), seed=0)


def test_data_dir_defaults_to_the_environment_then_the_cache(monkeypatch):
    monkeypatch.setenv('SEQLAB_DATA_DIR', '/somewhere')
    assert data.data_dir(config(data_dir='/explicit')) == '/explicit'
    assert data.data_dir(config()) == '/somewhere'
    monkeypatch.delenv('SEQLAB_DATA_DIR')
    assert data.data_dir(config()) == os.path.expanduser('~/.cache/seqlab/tfds')
