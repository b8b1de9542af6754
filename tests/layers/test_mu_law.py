"""µ-law quantisation: the grid round-trips exactly and the error is within half a step."""

import math

import hypothesis
import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest

from seqlab.layers.mu_law import mu_law_decode, mu_law_encode


def error_bound(x: np.ndarray, channels: int) -> np.ndarray:
    """|decode(encode(x)) - x| <= max |g'| * (1 / µ) for g the µ-law expansion, |f - f_q| <= 1/µ:
    ln(1 + µ) (1 + µ)^(1/µ) (1 + µ|x|) / µ^2."""
    mu = channels - 1
    return math.log1p(mu) * (1 + mu) ** (1 / mu) * (1 + mu * np.abs(x)) / mu**2


@hypothesis.given(
    x=hnp.arrays(np.float32, 64, elements=st.floats(-1.0, 1.0, width=32)),
    channels=st.sampled_from([2, 16, 256, 1024]),
)
@hypothesis.settings(max_examples=40, deadline=None)
def test_round_trip_is_within_quantisation_error(x, channels):
    q = np.asarray(mu_law_encode(x, channels))
    assert q.dtype == np.int32 and q.min() >= 0 and q.max() <= channels - 1
    decoded = np.asarray(mu_law_decode(q, channels))
    assert np.all(np.abs(decoded - x) <= error_bound(x, channels) + 1e-6)


@pytest.mark.parametrize('channels', [2, 256, 65536])
def test_every_class_decodes_to_a_value_that_encodes_back(channels):
    classes = np.arange(channels)
    decoded = mu_law_decode(classes, channels)
    np.testing.assert_array_equal(mu_law_encode(decoded, channels), classes)
    assert np.all(np.diff(np.asarray(decoded)) > 0)  # increasing, from -1 to 1
    np.testing.assert_allclose(np.asarray(decoded)[[0, -1]], [-1.0, 1.0], rtol=1e-6)


def test_encoding_is_monotone_and_clips_out_of_range():
    x = np.linspace(-1.5, 1.5, 10_001, dtype=np.float32)
    q = np.asarray(mu_law_encode(x))
    assert np.all(np.diff(q) >= 0)
    assert q[0] == 0 and q[-1] == 255


def test_fewer_than_two_channels_is_a_value_error():
    with pytest.raises(ValueError, match='channels=1'):
        mu_law_encode(np.zeros(3), channels=1)
    with pytest.raises(ValueError, match='channels=0'):
        mu_law_decode(np.zeros(3, np.int32), channels=0)
