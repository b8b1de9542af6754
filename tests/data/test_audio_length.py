"""Fixed shapes for variable-length clips: padding masks and crops."""

import hypothesis
import hypothesis.strategies as st
import numpy as np
import pytest

from seqlab.data import audio_length


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
