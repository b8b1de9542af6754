"""`config.data.builder='package.module:BuilderClass'`: a TFDS builder from outside seqlab."""

import pytest

from seqlab import config_defaults, data
from seqlab.config import ConfigError
from seqlab.train import code_version

BUILDER = """
import numpy as np
import sklearn.datasets
import tensorflow_datasets as tfds


class Digits(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    VERSION = tfds.core.Version('1.0.0')

    def _info(self):
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict({
                'image': tfds.features.Tensor(shape=(8, 8, 1), dtype=np.uint8),
                'label': tfds.features.ClassLabel(names=list('0123456789')),
            })
        )

    def _split_generators(self, dl_manager):
        digits = sklearn.datasets.load_digits()
        images = (digits.images[:120, :, :, None] * 255 / 16).astype(np.uint8)
        return {'train': self._generate_examples(images[:100], digits.target[:100]),
                'test': self._generate_examples(images[100:], digits.target[100:120])}

    def _generate_examples(self, images, labels):
        for i, (image, label) in enumerate(zip(images, labels)):
            yield i, {'image': image, 'label': int(label)}
"""


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A package `mylab` with the builder module `mylab.digits`, in the working directory."""
    (tmp_path / 'mylab').mkdir()
    (tmp_path / 'mylab' / '__init__.py').write_text('')
    (tmp_path / 'mylab' / 'digits.py').write_text(BUILDER)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def config(tmp_path, builder):
    data_config = config_defaults.vision_data(batch_size=8)
    data_config.update(builder=builder, data_dir=str(tmp_path / 'cache'))
    return data_config


def test_a_builder_from_the_working_directory_trains_as_vision_data(package):
    digest = code_version.digest.__wrapped__()
    splits = data.get(config(package, 'mylab.digits:Digits'), seed=0)
    assert splits.info.name == 'builder:mylab.digits:Digits' and splits.info.modality == 'vision'
    assert (splits.info.num_classes, splits.info.input_shape) == (10, (8, 8, 1))
    assert splits.info.num_train + splits.info.num_eval == 100  # validation carved from train
    assert code_version.digest.__wrapped__() == digest


@pytest.mark.parametrize(
    ('builder', 'message'),
    [
        ('mylab.digits', r"config.data.builder='mylab.digits' is not allowed; allowed: 'package"),
        ('mylab.nothing:Digits', r"no module 'mylab.nothing'; allowed: a module importable from"),
        ('mylab.digits:np', r"mylab.digits has no TFDS builder class 'np'; allowed: a tfds"),
    ],
)
def test_a_bad_builder_is_one_line(package, builder, message):
    with pytest.raises(ConfigError, match=message) as error:
        data.check(config(package, builder))
    assert '\n' not in str(error.value)
