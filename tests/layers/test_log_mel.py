"""The log-mel front end's frame bookkeeping agrees with the spectrogram it describes."""

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
