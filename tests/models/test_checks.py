"""The pieces of a model's `check`: settings read from the class's own fields, and the shared
one-line ConfigErrors."""

import pytest

from seqlab import models
from seqlab.config import ConfigError
from seqlab.models import checks
from seqlab.models.audio_transformer import AudioTransformer


def test_settings_fill_in_the_field_defaults_and_keep_the_given_values():
    model = checks.settings(AudioTransformer, {'heads': 3, 'num_classes': 5})
    assert (model.heads, model.num_classes) == (3, 5)
    assert model.width == AudioTransformer.width
    assert model.conv_kernels == AudioTransformer.conv_kernels
    assert not hasattr(model, 'parent') and not hasattr(model, 'name')


def test_a_required_field_is_absent_until_given():
    assert not hasattr(checks.settings(AudioTransformer, {}), 'num_classes')


def test_the_default_width_is_the_one_checked():
    width = AudioTransformer.width
    with pytest.raises(ConfigError, match=f'heads={width + 1} does not divide width={width}'):
        AudioTransformer.check({'heads': width + 1}, (16_000,))


@pytest.mark.parametrize('value', [(), (1, 0), ('1',), (True,), 'abc', 3])
def test_positive_ints_refuses_anything_but_a_tuple_of_ints_from_1(value):
    with pytest.raises(ConfigError, match=r'config.model.kwargs.channels=.* is not allowed; '):
        checks.positive_ints(checks.settings(AudioTransformer, {'channels': value}), 'channels')


@pytest.mark.parametrize('value', [0, -1, 1.0, True, '2'])
def test_int_at_least_names_the_key_the_value_and_the_bound(value):
    model = checks.settings(AudioTransformer, {'depth': value})
    with pytest.raises(
        ConfigError, match=rf'depth={value!r} is not allowed; allowed: an int >= 1$'
    ):
        checks.int_at_least(model, 'depth', 1)


def test_max_length_names_the_data_key_that_does_not_fit():
    checks.max_length_fits(16, {'max_length': 16, 'target_length': 11})
    with pytest.raises(
        ConfigError, match=r'max_length=16 .* \(config.data.target_length=20\); allowed: >= 20, or'
    ):
        checks.max_length_fits(16, {'max_length': 8, 'target_length': 20}, ', or more')


@pytest.mark.parametrize('name', models.names())
def test_every_model_checks_its_own_settings(name):
    assert isinstance(vars(models.get(name))['check'], classmethod)
