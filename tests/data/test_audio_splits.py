"""Audio splits: fixed lengths with masks, seeded noise at the asked SNR, voice activity of the clean
clip, reproducible crops, and one-line errors for bad clips and bad config values."""

import collections
import os
import sys
import types

import ml_collections
import numpy as np
import pytest
import tensorflow_datasets as tfds
from hypothesis import given, settings
from hypothesis import strategies as st

from seqlab import config_defaults, data, launcher
from seqlab.config import ConfigError
from seqlab.data import audio_splits
from seqlab.data.recipe import assemble
from seqlab.train import preflight
from tests.conftest import REPO

SAMPLE_RATE = 16_000  # the rate `audio_splits.sample_rate_of` finds for FakeBuilder (this module)


def tiny_config(**overrides) -> ml_collections.ConfigDict:
    config = config_defaults.audio_data('spoken_keywords/tiny', batch_size=4)
    config.eval_batch_size = 3
    config.update(overrides)
    return config


@pytest.fixture(scope='module')
def noisy(data_dir):
    config = tiny_config(noise=('white', 'brown'), snr_db=(3.0, 9.0), noise_eval=True)
    return data.get(config, seed=0)


def snr_db(batch: dict) -> np.ndarray:
    noise = batch['audio'] - batch['clean']
    return 10 * np.log10(np.mean(batch['clean'] ** 2, -1) / np.mean(noise**2, -1))


# Voice activity.


def tone_burst(start: int, stop: int, length: int = 4000) -> np.ndarray:
    samples = np.zeros(length, np.float32)
    samples[start:stop] = np.sin(2 * np.pi * 440 * np.arange(stop - start) / SAMPLE_RATE)
    return samples


def test_voice_activity_marks_the_burst_up_to_half_a_window():
    voice = audio_splits.voice_activity(tone_burst(1000, 3000), SAMPLE_RATE)
    half = int(audio_splits.VOICE_WINDOW_SECONDS * SAMPLE_RATE) // 2
    assert voice[1000:3000].all()
    assert not voice[: 1000 - half].any() and not voice[3000 + half :].any()


@settings(deadline=None, max_examples=20)
@given(st.floats(1e-3, 1e3), st.integers(0, 2**32 - 1))
def test_voice_activity_is_invariant_to_gain(gain, seed):
    clip = np.random.default_rng(seed).standard_normal(800) * np.linspace(0, 1, 800) ** 4
    clip = clip.astype(np.float32)
    np.testing.assert_array_equal(
        audio_splits.voice_activity(gain * clip, SAMPLE_RATE),
        audio_splits.voice_activity(clip, SAMPLE_RATE),
    )


def test_silent_clip_has_no_voice():
    assert not audio_splits.voice_activity(np.zeros(100, np.float32), SAMPLE_RATE).any()


@settings(deadline=None, max_examples=30)
@given(st.integers(1, 50), st.integers(1, 50), st.data())
def test_fit_length_crops_or_pads_with_a_mask(clip_length, length, draw):
    clean = np.arange(1, clip_length + 1, dtype=np.float32)
    start = draw.draw(st.integers(0, max(0, clip_length - length)))
    element = {'clean': clean, 'voice': clean > 3, 'id': np.int64(0)}
    fitted = audio_splits.fit_length(element, length, start)
    kept = min(clip_length, length)
    assert (
        fitted['audio'].shape == fitted['voice'].shape == fitted['sample_mask'].shape == (length,)
    )
    np.testing.assert_array_equal(fitted['clean'][:kept], clean[start : start + kept])
    np.testing.assert_array_equal(fitted['sample_mask'], np.arange(length) < kept)
    np.testing.assert_array_equal(fitted['voice'], (fitted['clean'] > 3) * fitted['sample_mask'])


# Splits of spoken_keywords/tiny.


def test_clean_batches_have_the_documented_layout(data_dir):
    splits = data.get(tiny_config(), seed=0)
    batch = splits.eval[len(splits.eval) - 1]  # 8 clips in batches of 3: the last has one padding
    assert splits.info.input_shape == (16_000,) and splits.info.extras['sample_rate'] == 16_000
    assert {k: v.shape for k, v in batch.items()} == {
        'audio': (3, 16_000),
        'clean': (3, 16_000),
        'voice': (3, 16_000),
        'sample_mask': (3, 16_000),
        'label': (3,),
        'id': (3,),
        'mask': (3,),
    }
    assert batch['audio'].dtype == np.float32 and batch['label'].dtype == np.int32
    np.testing.assert_array_equal(batch['mask'], [1, 1, 0])
    stored = data.builders.offline('spoken_keywords/tiny', data.data_dir(tiny_config()))
    clips = stored.as_data_source(split=tiny_config().eval_split)
    np.testing.assert_array_equal(batch['id'], [clips[6]['id'], clips[7]['id'], -1])  # source ids
    np.testing.assert_array_equal(batch['audio'], batch['clean'])
    assert 0.05 < batch['voice'][:2].mean() < 0.9  # words centred in silence


def test_noise_is_mixed_at_an_snr_in_the_range(noisy):
    train = next(iter(noisy.train))
    for batch in (train, noisy.eval[0]):
        snr = snr_db(batch)
        assert np.all((snr > 3.0 - 1e-3) & (snr < 9.0 + 1e-3)), snr
    np.testing.assert_array_equal(
        train['voice'], np.stack([audio_splits.voice_activity(c, 16_000) for c in train['clean']])
    )


def test_eval_noise_depends_on_the_example_not_the_batch(noisy, data_dir):
    config = tiny_config(noise=('white', 'brown'), snr_db=(3.0, 9.0), noise_eval=True)
    config.eval_batch_size = 8
    whole = data.get(config, seed=0).eval[0]
    again = np.concatenate([noisy.eval[i]['audio'] for i in range(3)])[:8]
    np.testing.assert_array_equal(whole['audio'], again)
    other_seed = data.get(config, seed=1).eval[0]
    assert not np.array_equal(other_seed['audio'], whole['audio'])
    np.testing.assert_array_equal(other_seed['clean'], whole['clean'])


def test_crops_are_random_in_training_centred_in_eval_and_reproducible(data_dir):
    config = tiny_config(length=4000)
    splits = data.get(config, seed=0)
    full = data.get(tiny_config(), seed=0).eval[0]
    np.testing.assert_array_equal(splits.eval[0]['clean'], full['clean'][:, 6000:10000])
    first, repeat = next(iter(splits.train)), next(iter(data.get(config, seed=0).train))
    np.testing.assert_array_equal(first['audio'], repeat['audio'])
    epochs = [splits.train[i]['audio'] for i in range(0, 16, 4)]  # 4 batches per epoch
    assert not np.array_equal(epochs[0], epochs[2])


# Bad input: one clear line.


class FakeSource(list):
    def __getitems__(self, indices):
        return [self[i] for i in indices]


class FakeBuilder:
    name = 'fake'

    def __init__(self, clips: list[np.ndarray], shape: tuple, dtype=np.int16):
        feature = tfds.features.Tensor(shape=shape, dtype=dtype)
        labels = tfds.features.ClassLabel(names=['a', 'b'])
        self.info = types.SimpleNamespace(
            features=tfds.features.FeaturesDict({'audio': feature, 'label': labels}),
            splits=collections.defaultdict(lambda: types.SimpleNamespace(file_instructions=[])),
        )
        self._source = FakeSource({'audio': clip, 'label': 0} for clip in clips)

    def as_data_source(self, split):
        return self._source


def fake_splits(builder: FakeBuilder, **overrides):
    config = tiny_config(name='fake', batch_size=1, eval_batch_size=1, length=8, **overrides)
    return assemble(audio_splits.recipe(builder, config, seed=0), config, seed=0)


@pytest.mark.parametrize(
    'clips, shape, dtype, message',
    [
        ([np.zeros((8, 2), np.int16)], (8, 2), np.int16, 'expected mono'),
        ([np.zeros(0, np.int16)], (0,), np.int16, 'zero-length'),
        ([np.zeros(8, np.int32)], (8,), np.int32, 'expected int16 or float'),
    ],
)
def test_bad_clip_features_are_refused_before_reading(clips, shape, dtype, message):
    with pytest.raises(ValueError, match=message):
        fake_splits(FakeBuilder(clips, shape, dtype))


@pytest.mark.parametrize(
    'bad, message',
    [
        (np.array([0.1, np.nan, 0.2], np.float32), 'clip contains NaN or inf samples'),
        (np.zeros(0, np.float32), 'clip has zero samples'),
    ],
)
def test_bad_clips_are_named_before_training_and_when_read(bad, message):
    good = np.ones(8, np.float32)
    with pytest.raises(data.BadRecordError, match=f'^fake train record 1: {message}'):  # the scan
        fake_splits(FakeBuilder([good, bad], (None,), np.float32))
    with pytest.raises(data.BadRecordError, match=f'^validation record 1: {message}'):
        audio_splits.clip(
            1, {'audio': bad}, split='validation', audio_key='audio', sample_rate=SAMPLE_RATE
        )


def test_wrong_sample_rate_is_refused(monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], 'SAMPLE_RATE', 8000)
    with pytest.raises(ConfigError, match='sample_rate=16000 but .* recorded at 8000 Hz'):
        fake_splits(FakeBuilder([np.zeros(8, np.int16)], (8,), np.int16))


def test_a_config_at_the_wrong_rate_is_one_config_error(data_dir, tmp_path):
    spec = os.path.join(REPO, 'configs', 'spec_cnn.py:smoke')
    config = launcher.load_config(spec, {'data.sample_rate': '8000'})
    with pytest.raises(ConfigError, match='sample_rate=8000 .* recorded at 16000 Hz'):
        preflight.prepare(config, str(tmp_path / 'run'))


@pytest.mark.parametrize(
    'overrides, message',
    [
        ({'noise': ('purple',)}, 'config.data.noise=.*allowed: a tuple of colours'),
        ({'snr_db': (10.0, 0.0)}, 'config.data.snr_db=.*low <= high'),
        ({'length': 0}, 'config.data.length=0'),
        ({'noise_eval': True}, 'noise_eval=True needs config.data.noise'),
    ],
)
def test_bad_audio_keys_are_one_line_errors(overrides, message):
    with pytest.raises(ValueError, match=message) as error:
        data.check(tiny_config(**overrides))
    assert '\n' not in str(error.value)
