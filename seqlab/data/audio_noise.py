"""Background noise as a per-example augmentation (numpy): generated coloured noise mixed at an SNR.

The noise source is synthetic, so it needs no files: Gaussian noise whose power spectrum falls as
1 / f^exponent (white 0, pink 1, brown 2; blue -1 and violet -2 rise). Every random choice is
drawn from the `rng` given (the pipeline's per-example generator, or
`np.random.default_rng([seed, example_id])`), so an epoch can be replayed exactly.
"""

import numpy as np

NOISE_EXPONENTS = {'white': 0.0, 'pink': 1.0, 'brown': 2.0, 'blue': -1.0, 'violet': -2.0}


def coloured_noise(length: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Noise with power spectral density ∝ 1 / f^exponent, scaled to unit RMS: float32 [length].

    White Gaussian noise is shaped in the frequency domain by f^(-exponent / 2); the DC bin is
    zeroed so the noise has zero mean.
    """
    if length < 2:
        raise ValueError(f'noise length={length} must be at least 2')
    spectrum = np.fft.rfft(rng.standard_normal(length))
    frequencies = np.fft.rfftfreq(length)
    gain = np.zeros_like(frequencies)
    gain[1:] = frequencies[1:] ** (-exponent / 2.0)
    noise = np.fft.irfft(spectrum * gain, n=length)
    return (noise / np.sqrt(np.mean(noise**2))).astype(np.float32)


def mix_at_snr(
    signal: np.ndarray, noise: np.ndarray, snr_db: float, mask: np.ndarray | None = None
) -> np.ndarray:
    """signal + g * noise with g chosen so that 10 log10(P_signal / P_(g noise)) = snr_db.

    Powers are mean squares over the samples where `mask` is true (all samples by default). A
    silent signal is returned unchanged (any SNR then means zero noise).
    """
    if noise.shape != signal.shape:
        raise ValueError(f'noise shape {noise.shape} differs from signal shape {signal.shape}')
    mask = np.ones(signal.shape, bool) if mask is None else mask
    signal_power = np.mean(np.square(signal[mask], dtype=np.float64))
    noise_power = np.mean(np.square(noise[mask], dtype=np.float64))
    if noise_power == 0.0:
        raise ValueError('noise is silent where the mask is true; cannot reach an SNR')
    gain = np.sqrt(signal_power / (noise_power * 10.0 ** (snr_db / 10.0)))
    return (signal + gain * np.where(mask, noise, 0.0)).astype(signal.dtype)


def add_background_noise(
    signal: np.ndarray,
    rng: np.random.Generator,
    snr_db: tuple[float, float] = (0.0, 20.0),
    colours: tuple[str, ...] = tuple(NOISE_EXPONENTS),
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """Mixes in noise of a colour drawn from `colours` at an SNR uniform in `snr_db` (dB).

    signal: float [samples]. The same rng state gives the same noise, colour and SNR.
    """
    unknown = sorted(set(colours) - set(NOISE_EXPONENTS))
    if unknown or not colours:
        raise ValueError(f'noise colours {unknown or colours} not in {sorted(NOISE_EXPONENTS)}')
    low, high = snr_db
    if low > high:
        raise ValueError(f'snr_db={snr_db} must be (low, high) with low <= high')
    colour = colours[int(rng.integers(len(colours)))]
    snr = rng.uniform(low, high)
    noise = coloured_noise(signal.shape[0], NOISE_EXPONENTS[colour], rng)
    return mix_at_snr(signal, noise, snr, mask)
