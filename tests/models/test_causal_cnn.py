"""Causal CNN classifier: the logits depend on exactly the last `receptive_field` samples, and
dilation changes the field but not the parameter count."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from seqlab.models.causal_cnn import CausalCNN
from seqlab.train.state import num_params

LENGTH = 40


def seen_samples(model: CausalCNN) -> np.ndarray:
    """Input positions where the logits have a nonzero gradient for any of 4 random signals (one
    signal may leave every ReLU on a path off): [LENGTH] bool."""
    x = jax.random.normal(jax.random.PRNGKey(0), (4, LENGTH))
    params = model.init(jax.random.PRNGKey(1), x)
    gradient = jax.grad(lambda x: model.apply(params, x).sum())(x)
    return np.asarray((jnp.abs(gradient) > 0).any(axis=0))


@pytest.mark.parametrize(
    'dilations, field', [((1, 1, 1, 1), 9), ((1, 2, 4, 8), 31), ((1, 2, 4, 8, 16), 63)]
)
def test_logits_see_exactly_the_last_receptive_field_samples(dilations, field):
    model = CausalCNN(num_classes=10, channels=8, kernel_size=3, dilations=dilations)
    assert model.receptive_field == field
    expected = np.arange(LENGTH) >= LENGTH - field
    np.testing.assert_array_equal(seen_samples(model), expected)


def test_dilation_keeps_the_parameter_count():
    x = jnp.zeros((1, LENGTH))
    counts = {
        dilations: num_params(
            jax.eval_shape(
                CausalCNN(num_classes=10, dilations=dilations).init, jax.random.PRNGKey(0), x
            )['params']
        )
        for dilations in ((1, 1, 1, 1, 1), (1, 2, 4, 8, 16))
    }
    assert len(set(counts.values())) == 1
