"""A `tfds:` audio dataset prepared for real by its TFDS builder from WAVs the test writes
(tests/data/catalogue_files.py), read at the config's rate and trained a few steps.

Every TFDS audio builder needs TensorFlow: its `Audio` feature is built on TensorFlow's dtypes (and
decodes WAVs with pydub). The suite runs without TensorFlow, as a user's install does, so these
tests skip there; scripts/test.sh then runs them (marker needs_tensorflow) in .venv-tfds, which
adds requirements-tfds.txt, with SEQLAB_TENSORFLOW_TESTS=1 making a missing TensorFlow a failure. spoken_digit stores int64 samples at 8 kHz: the audio configs read 16 kHz, so its clips
are resampled once, when a copy at that rate is prepared.
"""

import os
import pathlib

import numpy as np
import pytest
import tensorflow_datasets as tfds

from seqlab import data
from seqlab.data import audio_io, holdout, resampled
from seqlab.train import loop
from tests.data.catalogue_files import serve, smoke_config

pytestmark = pytest.mark.needs_tensorflow
if os.environ.get('SEQLAB_TENSORFLOW_TESTS'):  # scripts/test.sh's second stage: they must run
    import pydub  # noqa: F401
    import tensorflow  # noqa: F401
else:
    pytest.importorskip(
        'tensorflow', reason='TFDS audio builders need TensorFlow: scripts/test.sh runs them'
    )
    pytest.importorskip('pydub', reason='TFDS audio builders decode WAVs with pydub')

RATE = 8000
CLIPS = {  # file name (digit_speaker_take): samples at 8 kHz
    f'{digit}_jackson_{take}.wav': (
        0.4 * np.sin(2 * np.pi * (300 + 100 * digit + 7 * take) * np.arange(800 + 40 * take) / RATE)
    )
    for digit in range(3)
    for take in range(6)
}


def write_digits(root: pathlib.Path) -> pathlib.Path:
    """The recordings folder of the release spoken_digit downloads."""
    recordings = root / 'free-spoken-digit-dataset-1.0.9' / 'recordings'
    recordings.mkdir(parents=True)
    for name, samples in CLIPS.items():
        audio_io.write_wav(str(recordings / name), samples, RATE)
    return root


def written_at(sample_rate: int) -> dict[str, np.ndarray]:
    """The int16 samples of each written clip, resampled to `sample_rate` as seqlab does."""
    clips = {}
    for name, samples in CLIPS.items():
        stored = audio_io.to_int16(samples * audio_io.INT16_SCALE)  # what the WAV holds
        clips[name] = audio_io.to_int16(audio_io.resample(stored, RATE, sample_rate))
    return clips


def test_spoken_digit_is_resampled_once_to_the_configs_rate_and_trains(tmp_path, monkeypatch):
    serve(monkeypatch, write_digits(tmp_path / 'download'))
    overrides = {
        'data.name': 'tfds:spoken_digit',
        'data.length': '2400',  # every clip fits: 1600..2000 samples at 16 kHz
        'data.batch_size': '4',
        'data.eval_batch_size': '4',
        'data.test_split': '',
    }
    config = smoke_config('configs/spec_cnn.py:smoke', tmp_path, **overrides)
    splits = data.get(config.data, seed=0)
    assert splits.info.extras['sample_rate'] == 16000 == config.data.sample_rate
    assert splits.info.extras['class_names'] == tuple(str(d) for d in range(10))
    kept = sum(not holdout.held_out(position) for position in range(len(CLIPS)))
    assert (splits.info.num_train, splits.info.num_eval) == (kept, len(CLIPS) - kept)
    expected = written_at(16000)
    seen = []
    for batch in splits.eval:
        for clean, label, length, real in zip(
            batch['clean'], batch['label'], batch['sample_mask'].sum(1), batch['mask'], strict=True
        ):
            if not real:
                continue
            length = int(length)
            same = [
                name
                for name, clip in expected.items()
                if len(clip) == length
                and np.array_equal(clean[:length], audio_io.to_float(clip))
                and name.startswith(f'{label}_')
            ]
            assert len(same) == 1 and not clean[length:].any()
            seen += same
    assert len(seen) == len(set(seen)) == len(CLIPS) - kept
    metrics = loop.train_and_evaluate(config, str(tmp_path / 'run'))
    assert np.isfinite(metrics['eval/loss'])
    copies = list((tmp_path / 'cache' / 'catalogue_audio').glob('spoken_digit_1.0.9_16000hz'))
    assert len(copies) == 1  # prepared once, read again by the training run


def test_clips_at_the_configs_rate_as_int16_or_float_are_read_without_a_copy():
    def audio(dtype, rate=16000):
        return tfds.features.Audio(file_format='wav', sample_rate=rate, dtype=dtype)

    assert resampled.read_as_is(audio(np.int16), 16000)  # speech_commands
    assert resampled.read_as_is(audio(np.float32), 16000)
    assert not resampled.read_as_is(audio(np.int64), 16000)  # spoken_digit's type ...
    assert not resampled.read_as_is(audio(np.int16, 8000), 16000)  # ... or rate: a copy
