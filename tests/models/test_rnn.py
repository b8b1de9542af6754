"""Recurrent classifier: equal to a hand-written loop over the cell, and the bidirectional symmetry."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from seqlab.config import ConfigError
from seqlab.models.rnn import RNNClassifier

HIDDEN, CLASSES, LENGTH = 6, 3, 9
CELL_CLASSES = {'lstm': nn.LSTMCell, 'gru': nn.GRUCell}


def random_params(model: RNNClassifier, x: jax.Array, seed: int = 0) -> dict:
    shapes = jax.eval_shape(model.init, jax.random.PRNGKey(0), x)['params']
    rng = np.random.default_rng(seed)
    return jax.tree.map(lambda s: jnp.asarray(rng.normal(0, 0.5, s.shape), s.dtype), shapes)


def sequences(seed: int = 0) -> jax.Array:
    return jnp.asarray(np.random.default_rng(seed).normal(size=(2, LENGTH)), jnp.float32)


@pytest.mark.parametrize('cell', ['lstm', 'gru'])
@pytest.mark.parametrize('pool', ['last', 'mean'])
def test_classifier_equals_a_loop_over_the_cell(cell, pool):
    model = RNNClassifier(CLASSES, cell=cell, hidden_size=HIDDEN, pool=pool)
    x = sequences()
    params = random_params(model, x)
    step = CELL_CLASSES[cell](HIDDEN)
    cell_params = {'params': params['recurrent_0']['forward']}
    carry = step.initialize_carry(jax.random.PRNGKey(0), (2, 1))
    outputs = []
    for t in range(LENGTH):
        carry, h = step.apply(cell_params, carry, x[:, t, None])
        outputs.append(h)
    z = outputs[-1] if pool == 'last' else jnp.mean(jnp.stack(outputs), axis=0)
    head = params['head']
    expected = z @ head['kernel'] + head['bias']
    np.testing.assert_allclose(model.apply({'params': params}, x), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('cell', ['lstm', 'gru'])
def test_bidirectional_reads_the_reversed_sequence_with_swapped_directions(cell):
    model = RNNClassifier(CLASSES, cell=cell, hidden_size=HIDDEN, bidirectional=True, layers=2)
    x = sequences(1)
    params = random_params(model, x)
    swapped = {
        name: {'forward': dict(value['backward']), 'backward': dict(value['forward'])}
        for name, value in params.items()
        if name.startswith('recurrent_')
    }
    # The second layer reads [forward; backward] features: swap its input halves too.
    for direction in swapped['recurrent_1'].values():
        for gate, weights in direction.items():
            if gate.startswith('i'):
                kernel = weights['kernel']
                direction[gate] = {
                    **weights,
                    'kernel': jnp.concatenate([kernel[HIDDEN:], kernel[:HIDDEN]]),
                }
    kernel = params['head']['kernel']
    swapped['head'] = {
        'kernel': jnp.concatenate([kernel[HIDDEN:], kernel[:HIDDEN]]),
        'bias': params['head']['bias'],
    }
    original = model.apply({'params': params}, x)
    mirrored = model.apply({'params': swapped}, x[:, ::-1])
    np.testing.assert_allclose(mirrored, original, rtol=1e-5, atol=1e-5)


def test_check_names_the_bad_setting():
    with pytest.raises(ConfigError, match=r"cell='rnn' is not allowed; allowed: lstm"):
        RNNClassifier.check({'cell': 'rnn'}, (40,))
    with pytest.raises(ConfigError, match=r"pool='max' is not allowed"):
        RNNClassifier.check({'pool': 'max'}, (40,))
