"""Variable-length clips to fixed shapes (numpy, per example): pad with a mask, or crop.

Random crops draw from the `rng` they are given (the pipeline's per-example generator, or
`np.random.default_rng([seed, example_id])`), so they are deterministic per example.
"""

import numpy as np

from seqlab.layers.spectrogram import num_frames


def pad_with_mask(samples: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Zero-pads a clip at the end to `length`.

    Returns (padded: [length], mask: [length] bool), mask[i] = i < len(samples).
    """
    if not 0 < samples.shape[0] <= length:
        raise ValueError(f'clip of {samples.shape[0]} samples cannot be padded to length={length}')
    padded = np.zeros((length,) + samples.shape[1:], samples.dtype)
    padded[: samples.shape[0]] = samples
    return padded, np.arange(length) < samples.shape[0]


def crop(samples: np.ndarray, length: int, start: int) -> np.ndarray:
    """samples[start : start + length], which must lie inside the clip."""
    if length <= 0 or not 0 <= start <= samples.shape[0] - length:
        raise ValueError(
            f'crop of length={length} at start={start} does not fit a clip of {samples.shape[0]}'
        )
    return samples[start : start + length]


def random_crop(samples: np.ndarray, length: int, rng: np.random.Generator) -> np.ndarray:
    """A crop of `length` at a start drawn uniformly from 0..len(samples) - length."""
    if not 0 < length <= samples.shape[0]:
        raise ValueError(f'crop length={length} must be in 1..{samples.shape[0]} (the clip length)')
    return crop(samples, length, int(rng.integers(samples.shape[0] - length + 1)))


def spectrogram_frame_mask(
    sample_mask: np.ndarray, n_fft: int, hop_length: int, center: bool = True
) -> np.ndarray:
    """Which STFT frames of a zero-padded clip are frames of the clip itself: [..., samples] ->
    [..., frames], the frame count of `seqlab.layers.spectrogram.stft` for the same arguments.

    `sample_mask` marks a prefix of `valid` real samples (as from `pad_with_mask`). Frame t spans
    n_fft samples from t * hop_length of the (when `center`, zero-extended by n_fft // 2 on both
    sides) signal; it is valid when it ends by valid + 2 (n_fft // 2) (by `valid` uncentred).
    Zero padding is what `stft` pads with, so the valid frames equal the unpadded clip's frames.
    """
    extension = 2 * (n_fft // 2) if center else 0
    samples = sample_mask.shape[-1] + extension
    if samples < n_fft:
        raise ValueError(f'clip of {sample_mask.shape[-1]} samples is shorter than n_fft={n_fft}')
    frames = num_frames(sample_mask.shape[-1], n_fft, hop_length, center)
    ends = hop_length * np.arange(frames) + n_fft
    valid = np.sum(sample_mask, axis=-1, keepdims=True)
    return ends <= valid + extension
