"""The log-mel front end of the audio tasks (JAX, inside the jitted step) and what a model's
receptive field means in seconds and Hz.

    features = (L - mean L) / std L   per clip,   L = power_to_db(mel_spectrogram(audio))

Frame t of the centred STFT covers samples t·hop - n_fft/2 ... t·hop + n_fft/2 under the Hann
window w; per-sample quantities (voice activity) become per-frame ones as their w-weighted mean.
"""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from seqlab.config import ConfigError
from seqlab.layers import spectrogram

CHUNK = 16  # clips per vectorised feature call on CPU (spectrogram.py: about 2x faster than all at once)


@dataclasses.dataclass(frozen=True)
class LogMel:
    """Standardised log-mel spectrogram, [batch, samples] -> [batch, n_mels, frames]."""

    sample_rate: int = 16_000
    n_fft: int = 512
    hop_length: int = 160
    n_mels: int = 40

    def check(self, info_sample_rate: int) -> None:
        if info_sample_rate != self.sample_rate:
            raise ConfigError(
                f'config.task.kwargs.sample_rate={self.sample_rate} but the data is at '
                f'{info_sample_rate} Hz; allowed: {info_sample_rate}'
            )

    def power(self, waveforms: jax.Array) -> jax.Array:
        """Mel power spectrogram M = mel_filterbank @ |stft|^2: [B, samples] -> [B, n_mels, T]."""
        return jax.lax.map(
            lambda x: spectrogram.mel_spectrogram(
                x, self.sample_rate, self.n_fft, self.hop_length, self.n_mels
            ),
            waveforms,
            batch_size=CHUNK,
        )

    def __call__(self, waveforms: jax.Array) -> jax.Array:
        decibels = spectrogram.power_to_db(self.power(waveforms))
        mean = decibels.mean(axis=(-2, -1), keepdims=True)
        std = decibels.std(axis=(-2, -1), keepdims=True)
        return (decibels - mean) / jnp.maximum(std, 1e-3)

    def frame_average(self, values: jax.Array) -> jax.Array:
        """Σ_n w[n] v[t·hop + n - n_fft/2] / Σ_n w[n] (zeros outside): [B, samples] -> [B, T]."""
        window = spectrogram.stft_window('hann', self.n_fft, self.n_fft)
        half = self.n_fft // 2
        padded = jnp.pad(values, ((0, 0), (half, half)))
        frames = spectrogram.frame(padded, self.n_fft, self.hop_length)  # [B, n_fft, T]
        return jnp.einsum('bnt,n->bt', frames, window / window.sum())

    def frame_mask(self, sample_mask: jax.Array) -> jax.Array:
        """1 for frames centred inside the clip (t·hop < its length): [B, samples] -> [B, T]."""
        frames = 1 + sample_mask.shape[-1] // self.hop_length
        centres = self.hop_length * jnp.arange(frames)
        return (centres[None, :] < sample_mask.sum(-1, keepdims=True)).astype(jnp.float32)

    def band_edges_hz(self) -> np.ndarray:
        """The n_mels + 2 mel-spaced edges (Hz) of the filters; band m spans edges m to m + 2."""
        top = spectrogram.hz_to_mel(self.sample_rate / 2)
        return spectrogram.mel_to_hz(np.linspace(0.0, top, self.n_mels + 2))

    def describe(self, frames: int, bands: int) -> str:
        """A frames x bands receptive field in seconds and in Hz at both ends of the mel scale."""
        seconds = ((frames - 1) * self.hop_length + self.n_fft) / self.sample_rate
        edges = self.band_edges_hz()
        bands = min(bands, self.n_mels)
        low, high = edges[bands + 1] - edges[0], edges[-1] - edges[-bands - 2]
        return (
            f'receptive field {frames} frames x {bands} mel bands = {seconds:.3f} s x '
            f'{low:,.0f} Hz (lowest bands) to {high:,.0f} Hz (highest bands)'
        )


def describe_samples(samples: int, sample_rate: int) -> str:
    """A receptive field of `samples` in seconds, and the lowest frequency sample_rate / samples
    whose whole period it sees."""
    return (
        f'receptive field {samples:,} samples = {samples / sample_rate:.4f} s '
        f'(one period of {sample_rate / samples:,.1f} Hz)'
    )
