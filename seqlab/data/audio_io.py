"""Mono 16-bit clips on the host (numpy): WAV reading and writing, checks, resampling, int16 conversion."""

import io
import math
import wave

import numpy as np

from seqlab.data.types import BadRecordError

INT16_SCALE = 32768.0  # int16 sample s stands for the amplitude s / 32768 in [-1, 1).


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    """Decodes a mono 16-bit PCM WAV file. Returns (samples: [n] int16, sample_rate).

    Streamed WAVs (espeak-ng --stdout) carry a placeholder length in the header; the samples are
    read up to the end of the data instead.
    """
    with wave.open(io.BytesIO(data)) as reader:
        channels, width, sample_rate = (
            reader.getnchannels(),
            reader.getsampwidth(),
            reader.getframerate(),
        )
        if channels != 1:
            raise ValueError(f'WAV has {channels} channels; expected mono (1)')
        if width != 2:
            raise ValueError(f'WAV has {8 * width}-bit samples; expected 16-bit PCM')
        pcm = reader.readframes(reader.getnframes())
    return np.frombuffer(pcm, dtype='<i2').astype(np.int16), sample_rate


def write_wav(path: str, samples: np.ndarray, sample_rate: int) -> None:
    """Writes float samples [n] in [-1, 1] as a mono 16-bit PCM WAV file."""
    with wave.open(path, 'wb') as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(to_int16(samples * INT16_SCALE).astype('<i2').tobytes())


def check_clip(samples: np.ndarray, sample_rate: int, expected_sample_rate: int) -> None:
    """Raises BadRecordError (a ValueError) unless `samples` is a non-empty, finite mono clip at
    the expected rate."""
    if sample_rate != expected_sample_rate:
        raise BadRecordError(f'sample_rate={sample_rate}; expected {expected_sample_rate} Hz')
    if samples.ndim != 1:
        raise BadRecordError(f'clip of shape {samples.shape} is not mono; expected [samples]')
    if samples.size == 0:
        raise BadRecordError('clip has zero samples; expected at least one')
    if not np.all(np.isfinite(samples)):
        raise BadRecordError('clip contains NaN or inf samples; expected finite values')


def resample(samples: np.ndarray, sample_rate: int, target_rate: int) -> np.ndarray:
    """Polyphase resampling by target_rate / sample_rate (scipy's resample_poly, Kaiser FIR).

    [n] -> float64 [ceil(n * target_rate / sample_rate)]
    """
    if sample_rate <= 0 or target_rate <= 0:
        raise ValueError(f'sample rates must be positive; got {sample_rate} -> {target_rate}')
    import scipy.signal  # here: a second to import, needed only by audio at another rate

    common = math.gcd(sample_rate, target_rate)
    return scipy.signal.resample_poly(
        samples.astype(np.float64), target_rate // common, sample_rate // common
    )


def to_int16(amplitudes: np.ndarray) -> np.ndarray:
    """Rounds amplitudes in int16 units to the nearest int16, clipping to [-32768, 32767]."""
    return np.clip(np.rint(amplitudes), -INT16_SCALE, INT16_SCALE - 1).astype(np.int16)


def to_float(samples: np.ndarray) -> np.ndarray:
    """int16 samples -> float32 amplitudes s / 32768 in [-1, 1)."""
    return samples.astype(np.float32) / np.float32(INT16_SCALE)
