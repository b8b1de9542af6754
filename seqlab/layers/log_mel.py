"""The log-mel front end of the audio tasks, computed inside the jitted step:

    features = (L - mean L) / max(std L, 1e-3)   per clip,   L = power_to_db(mel_spectrogram(audio))

Frame t of the centred STFT covers samples t·hop - n_fft/2 ... t·hop + n_fft/2 under the Hann
window w; per-sample quantities (voice activity) become per-frame ones as their w-weighted mean.
Waveforms are [B, samples]; spectrograms [B, n_mels, frames], frames = 1 + samples // hop for an
even n_fft.
"""

import jax
import jax.numpy as jnp

from seqlab.layers.spectrogram import frame, mel_spectrogram, num_frames, power_to_db, stft_window

CHUNK = 16  # clips per vectorised call on CPU (spectrogram.py: about 2x faster than all at once)


def mel_power(
    waveforms: jax.Array, sample_rate: int, n_fft: int, hop_length: int, n_mels: int
) -> jax.Array:
    """M = mel_filterbank @ |stft|^2 clip by clip, in chunks of CHUNK clips:
    [B, samples] -> [B, n_mels, frames]."""
    return jax.lax.map(
        lambda x: mel_spectrogram(x, sample_rate, n_fft, hop_length, n_mels),
        waveforms,
        batch_size=CHUNK,
    )


def standardized_decibels(power: jax.Array) -> jax.Array:
    """(L - mean L) / max(std L, 1e-3), L = power_to_db(power), mean and std over each clip's
    [n_mels, frames]: [B, n_mels, frames] -> the same shape."""
    decibels = power_to_db(power)
    mean = decibels.mean(axis=(-2, -1), keepdims=True)
    std = decibels.std(axis=(-2, -1), keepdims=True)
    return (decibels - mean) / jnp.maximum(std, 1e-3)


def frame_average(values: jax.Array, n_fft: int, hop_length: int) -> jax.Array:
    """Σ_n w[n] v[t·hop + n - n_fft/2] / Σ_n w[n] (zeros outside), w the Hann window:
    [B, samples] -> [B, frames]."""
    window = stft_window('hann', n_fft, n_fft)
    half = n_fft // 2
    padded = jnp.pad(values, ((0, 0), (half, half)))
    frames = frame(padded, n_fft, hop_length)  # [B, n_fft, frames]
    return jnp.einsum('bnt,n->bt', frames, window / window.sum())


def centred_frame_mask(sample_mask: jax.Array, n_fft: int, hop_length: int) -> jax.Array:
    """1 for the frames centred inside the clip (t·hop < its length Σ sample_mask), else 0:
    [B, samples] -> float32 [B, frames]. These are the first frames of the unpadded clip's centred
    STFT; for an even n_fft and a length that hop divides, that STFT has one more (centred just
    past the clip's end), which is not counted."""
    frames = num_frames(sample_mask.shape[-1], n_fft, hop_length, center=True)
    centres = hop_length * jnp.arange(frames)
    return (centres[None, :] < sample_mask.sum(-1, keepdims=True)).astype(jnp.float32)
