"""What the audio tasks share: clips at one sample rate (`AudioTask`) and, for the tasks whose
model reads a spectrogram, the log-mel front end's fields and formulas (`LogMelTask`).

The front end runs inside the jitted step (seqlab.layers.log_mel):

    features = (L - mean L) / std L   per clip,   L = power_to_db(mel_spectrogram(audio))

audio [B, samples] -> features [B, n_mels, frames], frames = 1 + samples // hop_length.
"""

import dataclasses
from typing import Any

import jax
import numpy as np

from seqlab.config import ConfigError
from seqlab.data.types import DatasetInfo
from seqlab.layers import log_mel
from seqlab.layers.conv import receptive_field_in_seconds_and_hz
from seqlab.layers.spectrogram import mel_band_edges_hz
from seqlab.tasks.base import Task


@dataclasses.dataclass(frozen=True, kw_only=True)
class AudioTask(Task):
    """A task on clips sampled at `sample_rate` Hz, which must be the data's."""

    sample_rate: int = 16_000

    def check_sample_rate(self, info: DatasetInfo) -> None:
        data_rate = info.extras.get('sample_rate')
        if data_rate != self.sample_rate:
            raise ConfigError(
                f'config.task.kwargs.sample_rate={self.sample_rate} but the data is at '
                f'{data_rate} Hz; allowed: {data_rate}'
            )

    def describe_samples(self, samples: int) -> str:
        """A receptive field of `samples` in seconds, and the lowest frequency
        sample_rate / samples whose whole period it sees."""
        return (
            f'receptive field {samples:,} samples = {samples / self.sample_rate:.4f} s '
            f'(one period of {self.sample_rate / samples:,.1f} Hz)'
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class LogMelTask(AudioTask):
    """An audio task with the standardised log-mel spectrogram as its front end: STFT of n_fft
    samples every hop_length samples (Hann window, centred), n_mels Slaney mel bands."""

    n_fft: int = 512
    hop_length: int = 160
    n_mels: int = 40

    def log_mel(self, waveforms: jax.Array) -> jax.Array:
        """Standardised log-mel features: [B, samples] -> [B, n_mels, frames]."""
        return log_mel.standardized_decibels(self.mel_power(waveforms))

    def mel_power(self, waveforms: jax.Array) -> jax.Array:
        """Mel power spectrogram M = mel_filterbank @ |stft|^2: [B, samples] -> [B, n_mels, frames]."""
        return log_mel.mel_power(
            waveforms, self.sample_rate, self.n_fft, self.hop_length, self.n_mels
        )

    def frame_average(self, values: jax.Array) -> jax.Array:
        """Per-sample values as per-frame Hann-weighted means: [B, samples] -> [B, frames]."""
        return log_mel.frame_average(values, self.n_fft, self.hop_length)

    def frame_mask(self, sample_mask: jax.Array) -> jax.Array:
        """1 for the frames centred inside the clip: [B, samples] -> [B, frames]."""
        return log_mel.centred_frame_mask(sample_mask, self.n_fft, self.hop_length)

    def band_edges_hz(self) -> np.ndarray:
        """The n_mels + 2 mel-spaced edges (Hz) of the filters; band m spans edges m to m + 2."""
        return mel_band_edges_hz(self.n_mels, 0.0, self.sample_rate / 2)

    def describe_field(self, frames: int, bands: int) -> str:
        """A frames x bands receptive field in seconds and in Hz at both ends of the mel scale."""
        seconds, _ = receptive_field_in_seconds_and_hz(
            frames, bands, self.sample_rate, self.n_fft, self.hop_length
        )
        edges = self.band_edges_hz()
        bands = min(bands, self.n_mels)
        low, high = edges[bands + 1] - edges[0], edges[-1] - edges[-bands - 2]
        return (
            f'receptive field {frames} frames x {bands} mel bands = {seconds:.3f} s x '
            f'{low:,.0f} Hz (lowest bands) to {high:,.0f} Hz (highest bands)'
        )

    def describe(self, model: Any) -> str:
        """The receptive field of a spectrogram model, (frames, bands), in seconds and Hz."""
        return self.describe_field(*model.receptive_field)
