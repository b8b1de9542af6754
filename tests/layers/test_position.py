import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqlab.layers import position


def _normal(shape, seed=0):
    """Test inputs from numpy: every new shape drawn with jax.random costs a compile."""
    return jnp.asarray(np.random.default_rng(seed).normal(size=shape), jnp.float32)


def test_sinusoidal_matches_formula():
    length, dim, base = 9, 6, 100.0
    table = np.asarray(position.sinusoidal(length, dim, base))
    for i in range(length):
        for j in range(dim // 2):
            angle = i / base ** (2 * j / dim)
            assert table[i, 2 * j] == pytest.approx(np.sin(angle), abs=1e-6)
            assert table[i, 2 * j + 1] == pytest.approx(np.cos(angle), abs=1e-6)


@settings(max_examples=15, deadline=None)
@given(offset=st.integers(0, 40), dim=st.sampled_from([2, 8, 16]))
def test_translation_matrix_shifts_positions(offset, dim):
    table = np.asarray(position.sinusoidal(100, dim))  # fixed shapes: no recompiles
    shifted = table[:60] @ np.asarray(position.translation_matrix(offset, dim))
    np.testing.assert_allclose(shifted, table[offset : offset + 60], atol=2e-4)


def test_translation_matrix_is_a_rotation():
    matrix = position.translation_matrix(7, 8)
    np.testing.assert_allclose(matrix @ matrix.T, jnp.eye(8), atol=1e-6)
    np.testing.assert_allclose(
        position.translation_matrix(3, 8) @ position.translation_matrix(4, 8), matrix, atol=1e-5
    )


def test_onehot_and_scalar():
    np.testing.assert_array_equal(position.onehot(3, 5), np.eye(3, 5))
    np.testing.assert_allclose(position.scalar(4, 8)[:, 0], [0, 0.125, 0.25, 0.375])
    with pytest.raises(ValueError, match='length=6'):
        position.onehot(6, 5)


def test_odd_dim_is_rejected():
    with pytest.raises(ValueError, match='dim=5'):
        position.sinusoidal(3, 5)


def test_interpolate_keeps_endpoints_and_constant_tables():
    table = jnp.stack([jnp.arange(4.0), jnp.ones(4)], axis=1)
    resized = position.interpolate(table, 8)
    assert resized.shape == (8, 2)
    np.testing.assert_allclose(resized[:, 1], 1.0)
    assert bool(jnp.all(jnp.diff(resized[:, 0]) >= 0))  # monotone stays monotone
    np.testing.assert_allclose(position.interpolate(table, 4), table, atol=1e-6)


def test_learned_position_adds_table_and_interpolates():
    x = jnp.zeros((2, 3, 4))
    layer = position.LearnedPosition(max_length=5)
    params = layer.init(jax.random.PRNGKey(0), x)
    table = params['params']['table']
    np.testing.assert_array_equal(layer.apply(params, x)[0], table[:3])
    longer = jnp.zeros((1, 10, 4))
    with pytest.raises(ValueError, match='length 10 > max_length=5'):
        layer.apply(params, longer)
    stretched = position.LearnedPosition(max_length=5, interpolate=True).apply(params, longer)
    np.testing.assert_allclose(stretched[0], position.interpolate(table, 10))


def test_learned_table_starts_normal_with_std_0_02():
    """32,768 entries: the sample std is within 3% of 0.02 (about 7 standard errors) and the mean
    within 5 standard errors of 0."""
    x = jnp.zeros((1, 1024, 32))
    table = position.LearnedPosition(max_length=1024).init(jax.random.PRNGKey(0), x)['params']
    table = np.asarray(table['table'], np.float64)
    assert table.std() == pytest.approx(0.02, rel=0.03)
    assert abs(table.mean()) < 5 * 0.02 / np.sqrt(table.size)


def test_sinusoidal_module_sum_and_concat():
    x = _normal((2, 5, 4), 0)
    summed = position.SinusoidalPosition('sum')(x)
    np.testing.assert_allclose(
        summed - x, jnp.broadcast_to(position.sinusoidal(5, 4), x.shape), atol=1e-6
    )
    joined = position.SinusoidalPosition('concat', dim=6)(x)
    assert joined.shape == (2, 5, 10)
    np.testing.assert_array_equal(joined[..., :4], x)
    np.testing.assert_allclose(joined[1, :, 4:], position.sinusoidal(5, 6))
    with pytest.raises(ValueError, match="mode='both'"):
        position.SinusoidalPosition('both')(x)
