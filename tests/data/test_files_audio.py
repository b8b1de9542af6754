"""`audiofolder:<dir>`: WAV class folders read at their own rates and resampled once, when
prepared, to config.data.sample_rate (which the audio configs' features follow)."""

import os
import pathlib
import wave

import numpy as np
import pytest

from seqlab import config_defaults, data, launcher
from seqlab.config import ConfigError
from seqlab.data import audio_io
from tests.conftest import REPO

TONES = {'low': 300.0, 'high': 1200.0}


def tone(frequency: float, rate: int, seconds: float = 0.25) -> np.ndarray:
    return 0.5 * np.sin(2 * np.pi * frequency * np.arange(int(rate * seconds)) / rate)


def write_clips(root: pathlib.Path, count: int, rate: int = 8000) -> dict[str, pathlib.Path]:
    """`count` tones per class at `rate`, the n-th a little louder: relative path -> file."""
    written = {}
    for label, frequency in TONES.items():
        (root / label).mkdir(parents=True, exist_ok=True)
        for n in range(count):
            path = root / label / f'{n:03d}.wav'
            audio_io.write_wav(str(path), tone(frequency, rate) * (0.5 + n / (2 * count)), rate)
            written[f'{label}/{n:03d}.wav'] = path
    return written


def config(root: pathlib.Path, tmp_path: pathlib.Path, **overrides):
    data_config = config_defaults.audio_data(f'audiofolder:{root}', batch_size=4, length=4000)
    data_config.update(data_dir=str(tmp_path / 'cache'), eval_batch_size=8, **overrides)
    return data_config


def stored_clips(data_config) -> dict[str, np.ndarray]:
    """relative path -> the stored int16 samples of every example."""
    builder = data._builder(data_config)
    lines = (builder.data_path / 'sources.tsv').read_text().splitlines()
    paths = {int(i): path for i, _, path in (line.split('\t') for line in lines)}
    return {
        paths[int(record['id'])]: record['audio']
        for split in builder.info.splits
        for record in builder.as_data_source(split=split)
    }


def test_clips_are_resampled_once_to_the_configs_rate_and_kept_when_already_at_it(tmp_path):
    root = tmp_path / 'clips'
    written = write_clips(root, 20)
    at_16k = root / 'high' / 'at_16k.wav'
    audio_io.write_wav(str(at_16k), tone(1200.0, 16000), 16000)
    data_config = config(root, tmp_path)
    splits = data.get(data_config, seed=0)
    assert splits.info.extras['sample_rate'] == 16000
    assert splits.info.extras['class_names'] == ('high', 'low')
    clips = stored_clips(data_config)
    for relative, path in written.items():
        samples, rate = audio_io.read_wav(path.read_bytes())
        expected = audio_io.to_int16(audio_io.resample(samples, rate, 16000))
        np.testing.assert_array_equal(clips[relative], expected)
        assert len(clips[relative]) == 4000
    np.testing.assert_array_equal(
        clips['high/at_16k.wav'], audio_io.read_wav(at_16k.read_bytes())[0]
    )


def test_another_config_rate_prepares_the_folder_again_at_that_rate(tmp_path):
    root = tmp_path / 'clips'
    write_clips(root, 20)
    at_8k = data._builder(config(root, tmp_path, sample_rate=8000))
    at_16k = data._builder(config(root, tmp_path))
    assert at_8k.data_path != at_16k.data_path
    assert len(stored_clips(config(root, tmp_path, sample_rate=8000))['low/000.wav']) == 2000


def test_the_audio_configs_features_follow_config_data_sample_rate():
    for path in (
        'configs/spec_cnn.py:smoke',
        'configs/wave_cnn.py',
        'configs/audio_transformer.py',
    ):
        config = launcher.load_config(os.path.join(REPO, path), {})
        config.data.sample_rate = 8000
        assert config.task.kwargs.sample_rate == 8000, path


def test_a_stereo_clip_is_one_line_naming_it_and_nothing_is_cached(tmp_path):
    root = tmp_path / 'clips'
    write_clips(root, 20)
    with wave.open(str(root / 'low' / 'stereo.wav'), 'wb') as writer:
        writer.setnchannels(2)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(np.zeros(400, '<i2').tobytes())
    with pytest.raises(ConfigError, match=r'low/stereo.wav is not a readable clip \(WAV has 2 '):
        data.get(config(root, tmp_path), seed=0)
    assert [p for p in (tmp_path / 'cache').rglob('*') if p.is_file() and p.suffix != '.lock'] == []
