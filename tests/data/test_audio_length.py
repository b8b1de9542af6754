"""Fixed shapes for variable-length clips: padding masks, crops and STFT frame masks."""

import hypothesis
import hypothesis.strategies as st
import numpy as np
import pytest

from seqlab.data import audio_length
from seqlab.layers import spectrogram


@hypothesis.given(st.integers(1, 50), st.integers(0, 30))
@hypothesis.settings(max_examples=30, deadline=None)
def test_pad_with_mask_keeps_the_clip_and_marks_it(samples, extra):
    clip = np.arange(1, samples + 1, dtype=np.int16)
    padded, mask = audio_length.pad_with_mask(clip, samples + extra)
    assert padded.shape == mask.shape == (samples + extra,) and mask.dtype == bool
    np.testing.assert_array_equal(padded[mask], clip)
    assert not padded[~mask].any() and mask.sum() == samples


def test_pad_with_mask_rejects_clips_longer_than_the_length():
    with pytest.raises(ValueError, match='clip of 10 samples cannot be padded to length=8'):
        audio_length.pad_with_mask(np.zeros(10), 8)


def test_crop_takes_the_window_and_rejects_windows_outside_the_clip():
    clip = np.arange(10)
    np.testing.assert_array_equal(audio_length.crop(clip, 4, 3), [3, 4, 5, 6])
    with pytest.raises(ValueError, match='length=4 at start=7'):
        audio_length.crop(clip, 4, 7)


@hypothesis.given(st.integers(1, 100), st.integers(0, 2**32 - 1), st.integers(0, 2**62))
@hypothesis.settings(max_examples=30, deadline=None)
def test_random_crop_is_a_window_of_the_clip_fixed_by_seed_and_id(length, seed, example_id):
    clip = np.arange(100)
    cropped = audio_length.random_crop(clip, length, np.random.default_rng([seed, example_id]))
    again = audio_length.random_crop(clip, length, np.random.default_rng([seed, example_id]))
    np.testing.assert_array_equal(cropped, again)
    np.testing.assert_array_equal(cropped, np.arange(cropped[0], cropped[0] + length))


def test_random_crop_reaches_every_start():
    clip = np.arange(6)
    starts = {
        int(audio_length.random_crop(clip, 4, np.random.default_rng([0, i]))[0]) for i in range(100)
    }
    assert starts == {0, 1, 2}


def frames(signal: np.ndarray, n_fft: int, hop_length: int, center: bool) -> np.ndarray:
    """librosa's framing (zero-extended when `center`) in numpy: [frames, n_fft]."""
    if center:
        signal = np.pad(signal, n_fft // 2)
    return np.lib.stride_tricks.sliding_window_view(signal, n_fft)[::hop_length]


@hypothesis.given(
    valid=st.integers(1, 300),
    extra=st.integers(0, 100),
    n_fft=st.sampled_from([16, 31, 64]),
    hop_length=st.integers(1, 40),
    center=st.booleans(),
)
@hypothesis.settings(max_examples=60, deadline=None)
def test_valid_frames_of_a_padded_clip_are_the_clip_frames(valid, extra, n_fft, hop_length, center):
    hypothesis.assume(center or valid >= n_fft)
    clip = np.random.default_rng(valid).standard_normal(valid)
    padded, mask = audio_length.pad_with_mask(clip, valid + extra)
    frame_mask = audio_length.spectrogram_frame_mask(mask, n_fft, hop_length, center)
    padded_frames = frames(padded, n_fft, hop_length, center)
    assert frame_mask.shape == (len(padded_frames),)
    np.testing.assert_array_equal(
        padded_frames[frame_mask], frames(clip, n_fft, hop_length, center)
    )


def test_frame_mask_has_the_stft_frame_count_for_a_batch():
    mask = np.stack([np.arange(1000) < 1000, np.arange(1000) < 300])
    stft = spectrogram.stft(np.ones((2, 1000), np.float32), n_fft=256, hop_length=100)
    frame_mask = audio_length.spectrogram_frame_mask(mask, 256, 100)
    assert frame_mask.shape == (2, stft.shape[-1])
    assert frame_mask.sum(axis=1).tolist() == [11, 4]  # 1 + valid // hop_length


def test_frame_mask_rejects_clips_shorter_than_n_fft_uncentred():
    with pytest.raises(ValueError, match='clip of 10 samples is shorter than n_fft=16'):
        audio_length.spectrogram_frame_mask(np.ones(10, bool), 16, 4, center=False)
