import jax
import jax.numpy as jnp
import numpy as np
import pytest

from seqlab.layers.recurrent import CELLS, Recurrent


def _normal(shape, seed=0):
    """Test inputs from numpy: every new shape drawn with jax.random costs a compile."""
    return jnp.asarray(np.random.default_rng(seed).normal(size=shape), jnp.float32)


LENGTHS = jnp.array([7, 4])


def _x():
    return _normal((2, 7, 3), 0)


def _loop(cell_name, params, x):
    """Reference: step the bare flax cell in a Python loop. -> (outputs [B, T, H], carry)."""
    cell = CELLS[cell_name](5)
    carry = cell.initialize_carry(jax.random.PRNGKey(0), x[:, 0].shape)
    outputs = []
    for t in range(x.shape[1]):
        carry, out = cell.apply({'params': params}, carry, x[:, t])
        outputs.append(out)
    return jnp.stack(outputs, axis=1), carry


@pytest.mark.parametrize('cell', ['lstm', 'gru'])
def test_matches_python_loop_over_cell_and_respects_lengths(cell):
    x = _x()
    layer = Recurrent(5, cell=cell)
    params = layer.init(jax.random.PRNGKey(1), x)['params']
    cell_params = params['forward']
    outputs, state = layer.apply({'params': params}, x)
    want_outputs, want_state = _loop(cell, cell_params, x)
    np.testing.assert_allclose(outputs, want_outputs, atol=1e-5)
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, atol=1e-5), state, want_state)

    # with lengths: example 1's final state is the state after its 4 real steps
    noisy = x.at[1, 4:].set(50.0)
    outputs, state = layer.apply({'params': params}, noisy, LENGTHS)
    _, short_state = _loop(cell, cell_params, x[1:, :4])
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a[1:], b, atol=1e-5), state, short_state)
    np.testing.assert_allclose(outputs[1, :4], want_outputs[1, :4], atol=1e-5)


def test_bidirectional_backward_half_reads_real_steps_in_reverse():
    x = _x()
    layer = Recurrent(5, cell='gru', bidirectional=True)
    params = layer.init(jax.random.PRNGKey(1), x)['params']
    outputs, (forward_state, backward_state) = layer.apply(
        {'params': params}, x.at[1, 4:].set(50.0), LENGTHS
    )
    assert outputs.shape == (2, 7, 10)
    real = x[1:, :4]
    reversed_outputs, reversed_state = _loop('gru', params['backward'], real[:, ::-1])
    np.testing.assert_allclose(outputs[1, :4, 5:], reversed_outputs[0, ::-1], atol=1e-5)
    np.testing.assert_allclose(backward_state[1], reversed_state[0], atol=1e-5)
    forward_outputs, forward_final = _loop('gru', params['forward'], real)
    np.testing.assert_allclose(outputs[1, :4, :5], forward_outputs[0], atol=1e-5)
    np.testing.assert_allclose(forward_state[1], forward_final[0], atol=1e-5)


def test_unidirectional_is_causal():
    x = _x()
    layer = Recurrent(5, cell='optimized_lstm')
    params = layer.init(jax.random.PRNGKey(1), x)
    jacobian = jax.jacfwd(lambda y: layer.apply(params, y)[0])(x)[0, :, :, 0]
    sensitivity = jnp.abs(jacobian).sum(axis=(1, 3))
    assert float(jnp.triu(sensitivity, k=1).max()) == 0.0
    assert float(sensitivity[np.tril_indices(7)].min()) > 0.0


def test_bad_cell_names_value():
    with pytest.raises(ValueError, match="cell='rnn'"):
        Recurrent(5, cell='rnn').init(jax.random.PRNGKey(0), _x())
