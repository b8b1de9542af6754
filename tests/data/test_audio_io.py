"""Clip reading and checking: WAV decoding, one-line errors, resampling, int16 conversion."""

import io
import subprocess
import wave

import hypothesis
import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest

from seqlab.data import audio_io


def wav_bytes(samples: np.ndarray, sample_rate: int, channels: int = 1, width: int = 2) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, 'wb') as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(sample_rate)
        writer.writeframes(samples.tobytes())
    return buffer.getvalue()


@hypothesis.given(hnp.arrays(np.int16, st.integers(1, 300)), st.sampled_from([8000, 16000, 22050]))
@hypothesis.settings(max_examples=20, deadline=None)
def test_read_wav_returns_the_written_samples_and_rate(samples, sample_rate):
    decoded, rate = audio_io.read_wav(wav_bytes(samples, sample_rate))
    assert rate == sample_rate and decoded.dtype == np.int16
    np.testing.assert_array_equal(decoded, samples)


def test_read_wav_reads_a_streamed_espeak_file_to_its_end():
    data = subprocess.run(['espeak-ng', '--stdout', 'yes'], capture_output=True, check=True).stdout
    samples, rate = audio_io.read_wav(data)
    assert rate == 22_050
    assert samples.size == (len(data) - 44) // 2  # a 44-byte header, then every sample
    assert np.abs(samples).max() > 1000


@pytest.mark.parametrize(
    'channels, width, message', [(2, 2, '2 channels; expected mono'), (1, 1, '8-bit')]
)
def test_read_wav_rejects_stereo_and_other_sample_formats(channels, width, message):
    data = wav_bytes(np.zeros(64, np.int16), 16_000, channels, width)
    with pytest.raises(ValueError, match=message):
        audio_io.read_wav(data)


@pytest.mark.parametrize(
    'samples, sample_rate, message',
    [
        (np.zeros(100, np.float32), 22_050, 'sample_rate=22050; expected 16000'),
        (np.zeros((100, 2), np.float32), 16_000, r'shape \(100, 2\) is not mono'),
        (np.zeros(0, np.float32), 16_000, 'zero samples'),
        (np.array([0.0, np.nan, 0.5]), 16_000, 'NaN'),
    ],
)
def test_check_clip_rejects_bad_clips_in_one_line(samples, sample_rate, message):
    with pytest.raises(ValueError, match=message) as error:
        audio_io.check_clip(samples, sample_rate, expected_sample_rate=16_000)
    assert '\n' not in str(error.value)


def test_check_clip_accepts_a_good_clip():
    audio_io.check_clip(np.zeros(10, np.int16), 16_000, expected_sample_rate=16_000)


@pytest.mark.parametrize('rate, target', [(22_050, 16_000), (8_000, 16_000), (48_000, 16_000)])
def test_resample_keeps_a_tone_and_scales_the_length(rate, target):
    frequency, seconds = 440.0, 0.5
    tone = np.sin(2 * np.pi * frequency * np.arange(int(rate * seconds)) / rate)
    resampled = audio_io.resample(tone, rate, target)
    assert resampled.size == int(target * seconds)
    expected = np.sin(2 * np.pi * frequency * np.arange(resampled.size) / target)
    inner = slice(200, -200)  # away from the filter's edge effects
    np.testing.assert_allclose(resampled[inner], expected[inner], atol=5e-3)  # FIR ripple


def test_resample_rejects_non_positive_rates():
    with pytest.raises(ValueError, match='0 -> 16000'):
        audio_io.resample(np.zeros(10), 0, 16_000)


@hypothesis.given(hnp.arrays(np.int16, 50))
@hypothesis.settings(max_examples=20, deadline=None)
def test_int16_to_float_and_back_is_exact(samples):
    amplitudes = audio_io.to_float(samples)
    assert np.all(np.abs(amplitudes) <= 1.0)
    np.testing.assert_array_equal(audio_io.to_int16(amplitudes * audio_io.INT16_SCALE), samples)


def test_to_int16_rounds_and_clips():
    np.testing.assert_array_equal(
        audio_io.to_int16(np.array([1e6, -1e6, 1.4, 1.6, -2.5])), [32767, -32768, 1, 2, -2]
    )
