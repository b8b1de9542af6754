"""Variable-length clips to fixed shapes (numpy, per example): pad with a mask, or crop.

Random crops draw from the `rng` they are given (the pipeline's per-example generator, or
`np.random.default_rng([seed, example_id])`), so they are deterministic per example.
"""

import numpy as np


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
