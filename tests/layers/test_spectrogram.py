"""seqlab.layers.spectrogram features equal librosa's (the reference) for the same arguments."""

import hypothesis
import hypothesis.strategies as st
import jax
import librosa
import numpy as np
import pytest
import scipy.signal

from seqlab.layers import spectrogram


def clips(batch: int, samples: int, seed: int = 0) -> np.ndarray:
    """Noise plus a chirp, so every frequency band carries energy: float32 [batch, samples]."""
    rng = np.random.default_rng(seed)
    time = np.arange(samples) / 16_000
    chirp = np.sin(2 * np.pi * (200 + 3000 * time) * time)
    return (0.1 * rng.standard_normal((batch, samples)) + chirp).astype(np.float32)


def assert_close(actual, expected, rtol: float = 1e-4) -> None:
    """Equal to rtol, relative to each element and (for near-zero elements) to the largest."""
    expected = np.asarray(expected)
    np.testing.assert_allclose(
        np.asarray(actual), expected, rtol=rtol, atol=rtol * np.max(np.abs(expected))
    )


STFT_CASES = [
    {},
    {'n_fft': 512},
    {'n_fft': 400, 'hop_length': 160},  # not a power of two
    {'n_fft': 512, 'win_length': 300, 'hop_length': 128},  # window shorter than n_fft
    {'n_fft': 255, 'hop_length': 64, 'window': 'hamming', 'center': False},  # odd n_fft
    {'n_fft': 1024, 'win_length': 801, 'center': False},
]


@pytest.mark.parametrize('kwargs', STFT_CASES)
def test_stft_equals_librosa(kwargs):
    x = clips(2, 4000)
    assert_close(spectrogram.stft(x, **kwargs), librosa.stft(x, **kwargs))


def test_stft_of_one_clip_and_under_jit():
    x = clips(1, 3000)[0]
    expected = librosa.stft(x, n_fft=400, hop_length=100)
    assert_close(spectrogram.stft(x, n_fft=400, hop_length=100), expected)
    jitted = jax.jit(lambda y: spectrogram.stft(y, n_fft=400, hop_length=100))
    assert_close(jitted(x), expected)


@pytest.mark.parametrize('window', sorted(spectrogram.WINDOW_COEFFICIENTS))
@pytest.mark.parametrize('win_length', [1, 2, 255, 400])
def test_window_equals_scipy_periodic_window(window, win_length):
    taper = spectrogram.stft_window(window, win_length, 512)
    left = (512 - win_length) // 2
    expected = scipy.signal.get_window(window, win_length, fftbins=True)
    np.testing.assert_allclose(taper[left : left + win_length], expected, atol=1e-7)
    assert not taper[:left].any() and not taper[left + win_length :].any()


@pytest.mark.parametrize('frame_length, hop_length', [(512, 128), (400, 160), (7, 3)])
def test_frame_equals_librosa(frame_length, hop_length):
    x = clips(2, 2000)
    expected = librosa.util.frame(x, frame_length=frame_length, hop_length=hop_length)
    np.testing.assert_array_equal(spectrogram.frame(x, frame_length, hop_length), expected)


@pytest.mark.parametrize('power', [1.0, 2.0])
def test_spectrogram_is_stft_magnitude_to_the_power(power):
    x = clips(2, 3000)
    expected = np.abs(librosa.stft(x, n_fft=512, hop_length=160)) ** power
    assert_close(spectrogram.spectrogram(x, n_fft=512, hop_length=160, power=power), expected)


@pytest.mark.parametrize(
    'sample_rate, n_fft, kwargs',
    [
        (22_050, 2048, {}),
        (16_000, 512, {'n_mels': 40, 'fmin': 20.0, 'fmax': 7600.0}),
        (8_000, 400, {'n_mels': 64, 'fmin': 100.0}),
        (44_100, 1000, {'n_mels': 13, 'fmax': 6000.0}),
    ],
)
def test_mel_filterbank_equals_librosa(sample_rate, n_fft, kwargs):
    expected = librosa.filters.mel(sr=sample_rate, n_fft=n_fft, **kwargs)
    assert_close(spectrogram.mel_filterbank(sample_rate, n_fft, **kwargs), expected)


@hypothesis.given(st.floats(0.0, 20_000.0))
@hypothesis.settings(max_examples=30, deadline=None)
def test_mel_scale_equals_librosa_and_inverts(hz):
    mel = spectrogram.hz_to_mel(hz)
    np.testing.assert_allclose(mel, librosa.hz_to_mel(hz), rtol=1e-12)
    np.testing.assert_allclose(spectrogram.mel_to_hz(mel), hz, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(
    'kwargs',
    [
        {'n_fft': 2048, 'hop_length': 512, 'n_mels': 128},
        {'n_fft': 512, 'hop_length': 160, 'n_mels': 64, 'fmin': 20.0, 'fmax': 7600.0},
        {'n_fft': 400, 'hop_length': 160, 'n_mels': 40, 'power': 1.0, 'center': False},
        {'n_fft': 512, 'hop_length': 128, 'win_length': 320, 'n_mels': 32},
    ],
)
def test_mel_spectrogram_equals_librosa(kwargs):
    x = clips(2, 8000)
    expected = librosa.feature.melspectrogram(y=x, sr=16_000, **kwargs)
    assert_close(spectrogram.mel_spectrogram(x, 16_000, **kwargs), expected)


@pytest.mark.parametrize(
    'kwargs', [{}, {'top_db': None}, {'ref': 10.0, 'amin': 1e-6, 'top_db': 40.0}]
)
def test_power_to_db_equals_librosa_clip_by_clip(kwargs):
    power = np.asarray(
        spectrogram.mel_spectrogram(clips(3, 8000) * [[1.0], [1e-3], [30.0]], 16_000)
    )
    expected = np.stack([librosa.power_to_db(clip, **kwargs) for clip in power])
    assert_close(spectrogram.power_to_db(power, **kwargs), expected)


@pytest.mark.parametrize(
    'kwargs',
    [
        {},
        {'n_mfcc': 13, 'n_fft': 512, 'hop_length': 160, 'n_mels': 40},
        {'n_mfcc': 40, 'n_fft': 400, 'hop_length': 100, 'n_mels': 40, 'lifter': 22.0},
        {'n_mfcc': 20, 'n_fft': 512, 'hop_length': 256, 'n_mels': 64, 'fmax': 4000.0},
    ],
)
def test_mfcc_equals_librosa(kwargs):
    x = clips(2, 8000)
    expected = np.stack([librosa.feature.mfcc(y=clip, sr=16_000, **kwargs) for clip in x])
    assert_close(spectrogram.mfcc(x, 16_000, **kwargs), expected)
    assert_close(jax.jit(lambda y: spectrogram.mfcc(y, 16_000, **kwargs))(x), expected)


def test_dct_matrix_is_orthonormal():
    basis = spectrogram.dct_matrix(40, 40)
    np.testing.assert_allclose(basis @ basis.T, np.eye(40), atol=1e-6)


@pytest.mark.parametrize(
    'call, message',
    [
        (lambda: spectrogram.stft(np.zeros(0, np.float32)), 'empty'),
        (lambda: spectrogram.stft(np.zeros((2, 0), np.float32)), 'empty'),
        (lambda: spectrogram.stft(np.array([0.0, np.nan, 1.0] * 400)), 'NaN'),
        (lambda: spectrogram.mel_spectrogram(np.full(1000, np.inf), 16_000), 'NaN or inf'),
        (lambda: spectrogram.mel_spectrogram(np.ones(1000), 0), 'sample_rate=0'),
        (lambda: spectrogram.mel_spectrogram(np.ones(1000), -16_000), 'sample_rate=-16000'),
        (lambda: spectrogram.mel_filterbank(16_000, 512, fmax=9000.0), 'fmax=9000.0'),
        (lambda: spectrogram.mel_filterbank(16_000, 512, fmin=500.0, fmax=400.0), 'fmin=500.0'),
        (lambda: spectrogram.stft(np.ones(1000), n_fft=512, win_length=600), 'win_length=600'),
        (lambda: spectrogram.stft(np.ones(1000), n_fft=0), 'n_fft=0'),
        (lambda: spectrogram.stft(np.ones(1000), n_fft=256, window='kaiser'), "window='kaiser'"),
        (lambda: spectrogram.stft(np.ones(1000), n_fft=512, hop_length=0), 'hop_length=0'),
        (lambda: spectrogram.stft(np.ones(300), n_fft=512, center=False), '300 samples'),
        (lambda: spectrogram.spectrogram(np.ones(1000), n_fft=256, power=0.0), 'power=0.0'),
        (lambda: spectrogram.mfcc(np.ones(4000), 16_000, n_mfcc=50, n_mels=40), 'n_mfcc=50'),
        (lambda: spectrogram.power_to_db(np.ones((2, 2)), top_db=-1.0), 'top_db=-1.0'),
    ],
)
def test_bad_input_is_a_one_line_value_error(call, message):
    with pytest.raises(ValueError, match=message) as error:
        call()
    assert '\n' not in str(error.value)
