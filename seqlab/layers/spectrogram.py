"""Spectrograms in JAX, equal to librosa's for the same arguments (librosa is test-only).

Every function takes waveforms `x: [..., samples]` (any leading batch axes) and is jit-able;
the parameters (`n_fft`, `hop_length`, ...) are static, and called eagerly each function runs
as one compiled computation per parameter set. Spectrograms are laid out like librosa's,
`[..., freq, frames]`. Constants (window, mel filters, DCT matrix) are built on the host in
float64 and cast to float32.

On CPU, map large batches in chunks, `jax.lax.map(f, x, batch_size=16)`: the intermediates stay
in cache and a batch of 256 clips runs about 2x faster (experiments/bench_spectrogram.py).

Bad arguments raise ValueError. NaN/inf samples can only be seen in concrete arrays, so they are
checked outside `jit` only (the audio pipeline checks clips with `seqlab.data.audio_io.check_clip`).
"""

import functools
import inspect
import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

# Periodic windows as cosine sums: w[n] = sum_j a_j cos(2 pi j n / N), n < N (scipy fftbins=True).
WINDOW_COEFFICIENTS = {
    'boxcar': (1.0,),
    'hann': (0.5, -0.5),
    'hamming': (0.54, -0.46),
    'blackman': (0.42, -0.5, 0.08),
}
MEL_BREAK_HZ = 1000.0  # Slaney's scale is linear below this frequency and logarithmic above.
MEL_LINEAR_HZ_PER_MEL = 200.0 / 3.0
MEL_LOG_STEP = math.log(6.4) / 27.0  # ln(6400 / 1000) spread over 27 mels.


def _check_positive(name: str, value: int | float) -> None:
    if not value > 0:
        raise ValueError(f'{name}={value} must be positive')


def _check_waveform(x: jax.Array | np.ndarray) -> None:
    """Rejects scalars, zero-length clips and (for concrete arrays) NaN or inf samples."""
    if np.ndim(x) == 0 or np.shape(x)[-1] == 0:
        raise ValueError(f'audio of shape {np.shape(x)} is empty; expected [..., samples > 0]')
    if not isinstance(x, jax.core.Tracer) and not np.all(np.isfinite(np.asarray(x))):
        raise ValueError('audio contains NaN or inf samples; expected finite values')


def _checked_jit(function: Callable, forwards_to: Callable | None = None) -> Callable:
    """jit with every argument but the first (the waveform) static, after `_check_waveform`;
    `forwards_to` is the function that `function`'s **kwargs go to, whose arguments are static too."""
    static = _argument_names(function) + (_argument_names(forwards_to) if forwards_to else ())
    compiled = jax.jit(function, static_argnames=static)

    @functools.wraps(function)
    def checked(x, *args, **kwargs):
        _check_waveform(x)
        return compiled(x, *args, **kwargs)

    return checked


def _argument_names(function: Callable) -> tuple[str, ...]:
    """The named arguments of `function` after the first (its **kwargs left out)."""
    parameters = list(inspect.signature(function).parameters.values())[1:]
    return tuple(p.name for p in parameters if p.kind is not inspect.Parameter.VAR_KEYWORD)


def num_frames(samples: int, frame_length: int, hop_length: int, center: bool = False) -> int:
    """Frames of `frame` (or, with `center`, of the centred `stft`) of a clip of `samples`:

    1 + (samples - frame_length) // hop_length, samples extended by 2 (frame_length // 2) when
    `center` (even frame_length: 1 + samples // hop_length).
    """
    extension = 2 * (frame_length // 2) if center else 0
    return 1 + (samples + extension - frame_length) // hop_length


def frame(x: jax.Array, frame_length: int, hop_length: int) -> jax.Array:
    """Slices overlapping frames like `librosa.util.frame(x, axis=-1)`.

    frames[..., i, t] = x[..., t * hop_length + i],  t < 1 + (samples - frame_length) // hop_length

    Args:
      x: [..., samples].
    Returns:
      frames: [..., frame_length, n_frames].
    """
    return jnp.swapaxes(_frames_last(jnp.asarray(x), frame_length, hop_length), -1, -2)


def _frames_last(x: jax.Array, frame_length: int, hop_length: int) -> jax.Array:
    """`frame` with the time axis first: [..., samples] -> [..., n_frames, frame_length]."""
    _check_positive('frame_length', frame_length)
    _check_positive('hop_length', hop_length)
    samples = x.shape[-1]
    if samples < frame_length:
        raise ValueError(f'audio of {samples} samples is shorter than frame_length={frame_length}')
    starts = hop_length * np.arange(num_frames(samples, frame_length, hop_length))[:, None]
    return x[..., starts + np.arange(frame_length)[None, :]]


def stft_window(window: str, win_length: int, n_fft: int) -> np.ndarray:
    """The periodic `window` of `win_length` samples (as scipy's get_window(window, win_length)),
    zero-padded on both sides to n_fft: float32 [n_fft]."""
    if not 0 < win_length <= n_fft:
        raise ValueError(f'win_length={win_length} must be in 1..n_fft={n_fft}')
    if window not in WINDOW_COEFFICIENTS:
        raise ValueError(f'window={window!r} is not one of {sorted(WINDOW_COEFFICIENTS)}')
    phase = 2.0 * np.pi * np.arange(win_length) / win_length
    taper = sum(a * np.cos(j * phase) for j, a in enumerate(WINDOW_COEFFICIENTS[window]))
    taper = taper if win_length > 1 else np.ones(1)  # scipy's convention for one sample
    left = (n_fft - win_length) // 2
    return np.pad(taper, (left, n_fft - win_length - left)).astype(np.float32)


def _stft_frames_first(
    x: jax.Array,
    n_fft: int,
    hop_length: int | None,
    win_length: int | None,
    window: str,
    center: bool,
) -> jax.Array:
    """`stft` with time before frequency: [..., samples] -> [..., n_frames, 1 + n_fft // 2]."""
    _check_positive('n_fft', n_fft)
    win_length = n_fft if win_length is None else win_length
    hop_length = win_length // 4 if hop_length is None else hop_length
    taper = stft_window(window, win_length, n_fft)
    x = jnp.asarray(x, jnp.float32)
    if center:  # librosa's default pad_mode='constant': zeros, frame t is centred on t*hop.
        x = jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(n_fft // 2, n_fft // 2)])
    return jnp.fft.rfft(_frames_last(x, n_fft, hop_length) * taper, n=n_fft, axis=-1)


@_checked_jit
def stft(
    x: jax.Array,
    n_fft: int = 2048,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: str = 'hann',
    center: bool = True,
) -> jax.Array:
    """Short-time Fourier transform, like `librosa.stft` (pad_mode='constant').

    X[..., f, t] = sum_n w[n] x[..., t * hop_length + n] exp(-2 pi i f n / n_fft)

    with x zero-padded by n_fft // 2 on both sides when `center`, w the periodic window of
    `win_length` (default n_fft) centred in n_fft samples, and hop_length default win_length // 4.

    Args:
      x: [..., samples] real.
    Returns:
      complex64 [..., 1 + n_fft // 2, n_frames].
    """
    return jnp.swapaxes(
        _stft_frames_first(x, n_fft, hop_length, win_length, window, center), -1, -2
    )


def _magnitude_to_power(spectrum: jax.Array, power: float) -> jax.Array:
    """|X|^power; for power 2 as re^2 + im^2 (no square root)."""
    _check_positive('power', power)
    if power == 2.0:
        return jnp.square(spectrum.real) + jnp.square(spectrum.imag)
    return jnp.abs(spectrum) ** power


@_checked_jit
def spectrogram(
    x: jax.Array,
    n_fft: int = 2048,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: str = 'hann',
    center: bool = True,
    power: float = 2.0,
) -> jax.Array:
    """|stft(x)|^power, the power (2) or magnitude (1) spectrogram.

    [..., samples] -> [..., 1 + n_fft // 2, frames]
    """
    spectrum = _stft_frames_first(x, n_fft, hop_length, win_length, window, center)
    return jnp.swapaxes(_magnitude_to_power(spectrum, power), -1, -2)


def hz_to_mel(frequencies: np.ndarray) -> np.ndarray:
    """Slaney's mel scale (librosa, htk=False): m = f / (200/3) below 1 kHz,
    m = 15 + ln(f / 1000) / (ln(6.4) / 27) above."""
    frequencies = np.asarray(frequencies, np.float64)
    linear = frequencies / MEL_LINEAR_HZ_PER_MEL
    above = frequencies >= MEL_BREAK_HZ
    safe = np.where(above, frequencies, MEL_BREAK_HZ)
    logarithmic = MEL_BREAK_HZ / MEL_LINEAR_HZ_PER_MEL + np.log(safe / MEL_BREAK_HZ) / MEL_LOG_STEP
    return np.where(above, logarithmic, linear)


def mel_to_hz(mels: np.ndarray) -> np.ndarray:
    """Inverse of `hz_to_mel`."""
    mels = np.asarray(mels, np.float64)
    break_mel = MEL_BREAK_HZ / MEL_LINEAR_HZ_PER_MEL
    logarithmic = MEL_BREAK_HZ * np.exp(MEL_LOG_STEP * (mels - break_mel))
    return np.where(mels >= break_mel, logarithmic, MEL_LINEAR_HZ_PER_MEL * mels)


def mel_band_edges_hz(n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    """The n_mels + 2 edges (Hz) equally spaced in mel from fmin to fmax: float64 [n_mels + 2];
    mel filter m spans edges m to m + 2."""
    return mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))


def mel_filterbank(
    sample_rate: float, n_fft: int, n_mels: int = 128, fmin: float = 0.0, fmax: float | None = None
) -> np.ndarray:
    """Triangular mel filters, like `librosa.filters.mel` (htk=False, norm='slaney').

    Filter m rises from mel point m to m+1 and falls to m+2 (n_mels + 2 points equally spaced in
    mel between fmin and fmax), scaled by 2 / (hz[m+2] - hz[m]) so each has unit area.

    Returns:
      weights: float32 [n_mels, 1 + n_fft // 2], applied as mel = weights @ power_spectrum.
    """
    _check_positive('sample_rate', sample_rate)
    _check_positive('n_fft', n_fft)
    _check_positive('n_mels', n_mels)
    nyquist = sample_rate / 2.0
    fmax = nyquist if fmax is None else fmax
    if not 0.0 <= fmin < fmax <= nyquist:
        raise ValueError(
            f'need 0 <= fmin < fmax <= sample_rate / 2 = {nyquist}; got fmin={fmin}, fmax={fmax}'
        )
    bin_hz = np.linspace(0.0, nyquist, 1 + n_fft // 2)
    edges_hz = mel_band_edges_hz(n_mels, fmin, fmax)
    widths_hz = np.diff(edges_hz)
    offsets = edges_hz[:, None] - bin_hz[None, :]
    rising = -offsets[:-2] / widths_hz[:-1, None]
    falling = offsets[2:] / widths_hz[1:, None]
    weights = np.maximum(0.0, np.minimum(rising, falling))
    weights *= (2.0 / (edges_hz[2:] - edges_hz[:-2]))[:, None]
    return weights.astype(np.float32)


@_checked_jit
def mel_spectrogram(
    x: jax.Array,
    sample_rate: float,
    n_fft: int = 2048,
    hop_length: int = 512,
    n_mels: int = 128,
    power: float = 2.0,
    win_length: int | None = None,
    window: str = 'hann',
    center: bool = True,
    fmin: float = 0.0,
    fmax: float | None = None,
) -> jax.Array:
    """Mel spectrogram, like `librosa.feature.melspectrogram`: M = mel_filterbank @ |stft(x)|^power.

    Args:
      x: [..., samples].
    Returns:
      [..., n_mels, frames].
    """
    weights = mel_filterbank(sample_rate, n_fft, n_mels, fmin, fmax)
    spectrum = _stft_frames_first(x, n_fft, hop_length, win_length, window, center)
    mel = jnp.matmul(
        _magnitude_to_power(spectrum, power), weights.T, precision=jax.lax.Precision.HIGHEST
    )
    return jnp.swapaxes(mel, -1, -2)


@functools.partial(jax.jit, static_argnames=('ref', 'amin', 'top_db'))
def power_to_db(
    power: jax.Array, ref: float = 1.0, amin: float = 1e-10, top_db: float | None = 80.0
) -> jax.Array:
    """Decibels, like `librosa.power_to_db` applied to each spectrogram on its own.

    dB = 10 log10(max(amin, S)) - 10 log10(max(amin, ref)), then floored at max(dB) - top_db,
    where the max is over each spectrogram's last two axes [freq, frames] (librosa takes it over
    the whole array, so for a batch this equals librosa applied clip by clip).
    """
    _check_positive('amin', amin)
    if top_db is not None and top_db < 0:
        raise ValueError(f'top_db={top_db} must be non-negative or None')
    power = jnp.asarray(power)
    decibels = 10.0 * jnp.log10(jnp.maximum(amin, power)) - 10.0 * math.log10(max(amin, ref))
    if top_db is None:
        return decibels
    peak = jnp.max(decibels, axis=(-2, -1), keepdims=True)
    return jnp.maximum(decibels, peak - top_db)


def dct_matrix(n_out: int, n_in: int) -> np.ndarray:
    """Orthonormal DCT-II (scipy norm='ortho'), first n_out rows: float32 [n_out, n_in].

    C[k, n] = sqrt(2 / N) cos(pi k (2n + 1) / 2N), row 0 scaled by 1 / sqrt(2).
    """
    if not 0 < n_out <= n_in:
        raise ValueError(f'n_mfcc={n_out} must be in 1..n_mels={n_in}')
    k = np.arange(n_out)[:, None]
    n = np.arange(n_in)[None, :]
    basis = np.sqrt(2.0 / n_in) * np.cos(np.pi * k * (2 * n + 1) / (2 * n_in))
    basis[0] /= np.sqrt(2.0)
    return basis.astype(np.float32)


@functools.partial(_checked_jit, forwards_to=mel_spectrogram)
def mfcc(
    x: jax.Array,
    sample_rate: float,
    n_mfcc: int = 20,
    *,
    lifter: float = 0.0,
    top_db: float | None = 80.0,
    **mel_options: Any,
) -> jax.Array:
    """Mel-frequency cepstral coefficients, like `librosa.feature.mfcc` (dct_type=2, norm='ortho').

    C = DCT-II(power_to_db(mel_spectrogram(x)))[:n_mfcc] along the mel axis, then with lifter L > 0
    C[k] *= 1 + (L / 2) sin(pi (k + 1) / L).

    Args:
      x: [..., samples].
      mel_options: keyword arguments of `mel_spectrogram` (n_fft=2048, hop_length=512,
        n_mels=128, fmin=0.0, fmax=None, ...), passed on as librosa passes its **kwargs.
    Returns:
      [..., n_mfcc, frames].
    """
    if lifter < 0:
        raise ValueError(f'lifter={lifter} must be non-negative')
    mel = mel_spectrogram(x, sample_rate, **mel_options)
    basis = dct_matrix(n_mfcc, mel.shape[-2])
    decibels = power_to_db(mel, top_db=top_db)
    cepstrum = jnp.matmul(basis, decibels, precision=jax.lax.Precision.HIGHEST)
    if lifter > 0:
        k = np.arange(1, n_mfcc + 1, dtype=np.float64)
        cepstrum *= (1.0 + (lifter / 2.0) * np.sin(np.pi * k / lifter)).astype(np.float32)[:, None]
    return cepstrum
