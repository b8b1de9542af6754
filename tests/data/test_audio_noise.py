"""Background noise: spectral colour, exact SNR, masks, and determinism per (seed, example)."""

import hypothesis
import hypothesis.strategies as st
import numpy as np
import pytest

from seqlab.data import audio_noise


def snr_db(signal: np.ndarray, mixed: np.ndarray) -> float:
    noise = mixed.astype(np.float64) - signal
    return 10 * np.log10(np.mean(signal.astype(np.float64) ** 2) / np.mean(noise**2))


@pytest.mark.parametrize('colour, exponent', sorted(audio_noise.NOISE_EXPONENTS.items()))
def test_coloured_noise_has_unit_rms_and_its_spectral_slope(colour, exponent):
    rng = np.random.default_rng(0)
    noise = np.stack([audio_noise.coloured_noise(4096, exponent, rng) for _ in range(32)])
    np.testing.assert_allclose(np.sqrt(np.mean(noise**2, axis=1)), 1.0, rtol=1e-5)
    power = np.mean(np.abs(np.fft.rfft(noise, axis=1)) ** 2, axis=0)[1:]
    frequencies = np.fft.rfftfreq(4096)[1:]
    slope = np.polyfit(np.log(frequencies), np.log(power), 1)[0]
    assert abs(slope + exponent) < 0.1, (colour, slope)


@hypothesis.given(st.floats(-20.0, 40.0), st.integers(0, 1000))
@hypothesis.settings(max_examples=30, deadline=None)
def test_mix_at_snr_reaches_the_snr(target_db, seed):
    rng = np.random.default_rng(seed)
    signal = rng.standard_normal(800).astype(np.float32) * rng.uniform(0.01, 1.0)
    noise = rng.standard_normal(800).astype(np.float32)
    mixed = audio_noise.mix_at_snr(signal, noise, target_db)
    assert mixed.dtype == np.float32
    assert snr_db(signal, mixed) == pytest.approx(target_db, abs=1e-3)


def test_mix_at_snr_measures_and_adds_only_inside_the_mask():
    signal = np.concatenate([np.ones(100), np.zeros(50)]).astype(np.float32)
    mask = np.arange(150) < 100
    noise = np.random.default_rng(0).standard_normal(150).astype(np.float32)
    mixed = audio_noise.mix_at_snr(signal, noise, 10.0, mask)
    assert not mixed[~mask].any()
    assert snr_db(signal[mask], mixed[mask]) == pytest.approx(10.0, abs=1e-3)


def test_a_silent_signal_stays_silent():
    silent = np.zeros(64, np.float32)
    np.testing.assert_array_equal(audio_noise.mix_at_snr(silent, np.ones(64), 0.0), silent)


def test_add_background_noise_is_fixed_by_seed_and_example_id():
    signal = np.sin(np.arange(2000) / 5.0).astype(np.float32)

    def noisy(seed, example_id):
        rng = np.random.default_rng([seed, example_id])
        return audio_noise.add_background_noise(signal, rng, snr_db=(5.0, 15.0))

    np.testing.assert_array_equal(noisy(3, 7), noisy(3, 7))
    assert not np.array_equal(noisy(3, 7), noisy(3, 8))
    assert not np.array_equal(noisy(3, 7), noisy(4, 7))
    snrs = [snr_db(signal, noisy(0, example_id)) for example_id in range(30)]
    assert 5.0 - 1e-3 <= min(snrs) and max(snrs) <= 15.0 + 1e-3 and max(snrs) - min(snrs) > 5.0


@pytest.mark.parametrize(
    'kwargs, message',
    [
        ({'colours': ('purple',)}, 'purple'),
        ({'colours': ()}, 'noise colours'),
        ({'snr_db': (10.0, 0.0)}, r'snr_db=\(10.0, 0.0\)'),
    ],
)
def test_add_background_noise_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        audio_noise.add_background_noise(np.ones(16), np.random.default_rng(0), **kwargs)


def test_mix_at_snr_rejects_mismatched_or_silent_noise():
    with pytest.raises(ValueError, match=r'noise shape \(8,\) differs from signal shape \(9,\)'):
        audio_noise.mix_at_snr(np.ones(9), np.ones(8), 0.0)
    with pytest.raises(ValueError, match='noise is silent'):
        audio_noise.mix_at_snr(np.ones(8), np.zeros(8), 0.0)
