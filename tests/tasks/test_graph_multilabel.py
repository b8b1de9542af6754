"""graph_multilabel: binary cross-entropy and accuracy over the measured (graph, task) pairs of
real examples only; a missing label (NaN) reaches neither the loss nor its gradient."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from seqlab.config import ConfigError
from seqlab.data.types import DatasetInfo
from seqlab.tasks.graph_multilabel import GraphMultiLabel

NAN = np.nan
LOGITS = np.array([[2.0, -1.0, 0.5], [-3.0, 1.5, 0.0], [4.0, 4.0, 4.0]], np.float32)
BATCH = {
    'label': np.array([[1.0, NAN, 0.0], [NAN, 1.0, 1.0], [1.0, 0.0, NAN]], np.float32),
    'mask': np.array([1.0, 1.0, 0.0], np.float32),  # the third example is padding
}


def test_loss_and_accuracy_count_the_measured_pairs_of_real_examples():
    loss, metrics = GraphMultiLabel().loss(jnp.asarray(LOGITS), BATCH)
    pairs = [(0, 0), (0, 2), (1, 1), (1, 2)]
    logits = np.array([LOGITS[p] for p in pairs])
    labels = np.array([BATCH['label'][p] for p in pairs])
    expected = optax.sigmoid_binary_cross_entropy(logits, labels)
    np.testing.assert_allclose(loss, expected.mean(), rtol=1e-6)
    np.testing.assert_allclose(metrics['loss'][0], expected.sum(), rtol=1e-6)
    assert float(metrics['loss'][1]) == 4.0
    # right: (0, 0) 2 > 0 and 1; (0, 2) 0.5 > 0 but 0; (1, 1) 1.5 > 0 and 1; (1, 2) 0 is not > 0
    assert (float(metrics['accuracy'][0]), float(metrics['accuracy'][1])) == (2.0, 4.0)


def test_a_missing_label_gives_no_gradient_and_no_nan():
    grads = jax.grad(lambda z: GraphMultiLabel().loss(z, BATCH)[0])(jnp.asarray(LOGITS))
    assert np.all(np.isfinite(grads))
    missing = np.isnan(BATCH['label']) | (BATCH['mask'][:, None] == 0)
    assert not np.asarray(grads)[missing].any() and np.asarray(grads)[~missing].all()


def test_a_dataset_without_binary_tasks_is_one_line():
    info = DatasetInfo('molecules', 'graph', 10, 2, 0, (64, 5), {'target': 'logp'})
    with pytest.raises(ConfigError, match=r"config.data.target='logp' of dataset 'molecules' is "):
        GraphMultiLabel().model_kwargs(info)
