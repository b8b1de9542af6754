"""The log-mel front end's frame bookkeeping agrees with the spectrogram it describes."""

import hypothesis
import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from seqlab.layers import log_mel, spectrogram


@pytest.mark.parametrize(
    'n_fft, hop_length, center', [(64, 16, True), (65, 16, True), (64, 10, False)]
)
def test_num_frames_is_the_stft_frame_count(n_fft, hop_length, center):
    for samples in (100, 160, 161):
        stft = spectrogram.stft(np.ones(samples, np.float32), n_fft, hop_length, center=center)
        assert spectrogram.num_frames(samples, n_fft, hop_length, center) == stft.shape[-1]


def test_centred_frame_mask_keeps_frames_centred_inside_the_clip():
    sample_mask = jnp.zeros((2, 320)).at[0, :160].set(1.0).at[1, :161].set(1.0)
    mask = log_mel.centred_frame_mask(sample_mask, 64, 16)
    power = log_mel.mel_power(jnp.zeros((2, 320)), 8000, 64, 16, 12)
    assert mask.shape == (power.shape[0], power.shape[-1]) == (2, 21)
    assert mask.sum(-1).tolist() == [10, 11]  # centres 0, 16, ..., below 160 and 161


def centred_frames(signal: np.ndarray, n_fft: int, hop_length: int) -> np.ndarray:
    """librosa's centred framing (zero-extended by n_fft // 2 on both sides) in numpy:
    [frames, n_fft]."""
    extended = np.pad(signal, n_fft // 2)
    return np.lib.stride_tricks.sliding_window_view(extended, n_fft)[::hop_length]


# Under jit, as the model calls it: one compiled program for each example's shapes, instead of one
# for each of its operations run eagerly.
frame_mask = jax.jit(log_mel.centred_frame_mask, static_argnums=(1, 2))


@hypothesis.given(
    valid=st.integers(1, 300),
    extra=st.integers(0, 100),
    n_fft=st.sampled_from([16, 31, 64]),
    hop_length=st.integers(1, 40),
)
@hypothesis.settings(max_examples=60, deadline=None)
def test_centred_frames_of_a_padded_clip_are_the_clip_frames(valid, extra, n_fft, hop_length):
    """The real frames are the first ceil(valid / hop_length): those centred on a clip sample.
    Zero padding is what the centred STFT extends with, so they equal the unpadded clip's."""
    clip = np.random.default_rng(valid).standard_normal(valid)
    padded = np.pad(clip, (0, extra))
    sample_mask = (np.arange(valid + extra) < valid)[None]  # bool [1, samples], jitted below
    mask = np.asarray(frame_mask(sample_mask, n_fft, hop_length))[0] > 0
    padded_frames = centred_frames(padded, n_fft, hop_length)
    real = -(-valid // hop_length)
    assert mask.tolist() == [t < real for t in range(len(padded_frames))]
    np.testing.assert_array_equal(
        padded_frames[mask], centred_frames(clip, n_fft, hop_length)[:real]
    )
