"""Graphormer: permutation invariance / equivariance, padding, the structural encodings, the tasks."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqlab.config import ConfigError
from seqlab.data.graph import pad_graphs
from seqlab.models import graphormer
from seqlab.models.graphormer import Graphormer
from seqlab.tasks.node_classification import NodeClassification
from seqlab.tasks.regression import GRAPH_INPUTS, GraphRegression

BUDGET, LENGTH = 8, 4
NODE_VOCAB, EDGE_VOCAB = (6, 4), 4


def model(readout: str, edge_encoding: str = 'path') -> Graphormer:
    return Graphormer(
        num_outputs=3,
        node_vocab_sizes=NODE_VOCAB,
        edge_vocab_size=EDGE_VOCAB,
        readout=readout,
        width=16,
        depth=2,
        heads=2,
        mlp_dim=32,
        max_degree=4,
        max_distance=5,
        edge_encoding=edge_encoding,
    )


def random_params(net: Graphormer, sample: tuple, seed: int = 0) -> dict:
    """N(0, 0.5^2) parameters of the model's shapes (no init compile; biases non-zero)."""
    shapes = jax.eval_shape(net.init, jax.random.PRNGKey(0), *sample)['params']
    rng = np.random.default_rng(seed)
    return jax.tree.map(lambda s: jnp.asarray(rng.normal(0, 0.5, s.shape), s.dtype), shapes)


@functools.cache
def applied(readout: str, edge_encoding: str = 'path'):
    """A jitted `inputs -> outputs` of the model with random parameters."""
    net = model(readout, edge_encoding)
    params = random_params(net, inputs([tree([0], seed=0)] * 2, BUDGET))
    return jax.jit(lambda *x: net.apply({'params': params}, *x))


def tree(parents: list[int], seed: int) -> dict:
    """Node i + 1 hangs off node parents[i] <= i: a tree (shortest paths are unique)."""
    rng = np.random.default_rng(seed)
    num_nodes = len(parents) + 1
    return {
        'node_features': rng.integers(1, NODE_VOCAB, size=(num_nodes, 2)),
        'edges': np.array([(p, i + 1) for i, p in enumerate(parents)]).reshape(-1, 2),
        'edge_types': rng.integers(1, EDGE_VOCAB, size=len(parents)),
    }


def permuted(graph: dict, order: np.ndarray) -> dict:
    """The same graph with node order[k] renamed k."""
    rename = np.argsort(order)
    return {
        'node_features': graph['node_features'][order],
        'edges': rename[graph['edges']],
        'edge_types': graph['edge_types'],
    }


def inputs(graphs: list[dict], budget: int) -> tuple:
    padded = pad_graphs(graphs, budget, LENGTH)
    return tuple(jnp.asarray(padded[key]) for key in GRAPH_INPUTS)


trees = st.integers(1, BUDGET - 1).flatmap(
    lambda edges: st.tuples(
        st.tuples(*[st.integers(0, i) for i in range(edges)]),
        st.permutations(range(edges + 1)),
        st.integers(0, 1000),
    )
)


@settings(max_examples=20, deadline=None)
@given(trees)
def test_graph_output_invariant_and_node_outputs_equivariant(case):
    parents, order, seed = case
    graph = tree(list(parents), seed)
    other = permuted(graph, np.array(order))
    batch = inputs([graph, other], BUDGET)
    for readout in ('graph', 'sum'):
        graph_out = applied(readout)(*batch)
        np.testing.assert_allclose(graph_out[0], graph_out[1], rtol=1e-5, atol=1e-5)
    node_out = applied('node')(*batch)
    num_nodes = len(order)
    np.testing.assert_allclose(node_out[0, np.array(order)], node_out[1, :num_nodes], atol=1e-5)


def test_cycles_with_one_edge_type_are_equivariant_too():
    # A 6-cycle has two shortest paths between opposite nodes; with one edge type they agree.
    ring = {
        'node_features': np.array([[1, 1], [2, 3], [3, 1], [4, 2], [5, 5], [1, 2]]),
        'edges': np.array([(i, (i + 1) % 6) for i in range(6)]),
        'edge_types': np.full(6, 2),
    }
    order = np.array([3, 0, 5, 1, 4, 2])
    batch = inputs([ring, permuted(ring, order)], BUDGET)
    node_out = applied('node')(*batch)
    np.testing.assert_allclose(node_out[0, order], node_out[1, :6], atol=1e-5)
    np.testing.assert_allclose(*applied('graph')(*batch), atol=1e-5)


def with_garbage_padding(batch: tuple, rng: np.random.Generator) -> tuple:
    """Ids, degrees, distances and path types that no real graph has, in every padding slot."""
    node_features, node_mask, degree, shortest_path, path_edge_types = map(np.array, batch)
    pad = ~node_mask
    pair = pad[:, :, None] | pad[:, None, :]
    node_features[pad] = rng.integers(1, 4, node_features[pad].shape)
    degree[pad] = rng.integers(1, 4, degree[pad].shape)
    shortest_path[pair] = rng.integers(0, 3, shortest_path[pair].shape)
    path_edge_types[pair] = rng.integers(1, 4, path_edge_types[pair].shape)
    return tuple(
        map(jnp.asarray, (node_features, node_mask, degree, shortest_path, path_edge_types))
    )


def test_padding_nodes_never_change_results():
    graph = tree([0, 0, 1, 2], seed=3)
    small = inputs([graph] * 2, BUDGET)
    large = inputs([graph] * 2, BUDGET + 5)
    garbage = with_garbage_padding(large, np.random.default_rng(0))
    for readout in ('graph', 'sum'):
        graph_out = [applied(readout)(*x) for x in (small, large, garbage)]
        np.testing.assert_allclose(graph_out[0], graph_out[1], atol=1e-5)
        np.testing.assert_allclose(graph_out[0], graph_out[2], atol=1e-5)
    node_small = applied('node')(*small)
    node_garbage = applied('node')(*garbage)
    np.testing.assert_allclose(node_small[0, :5], node_garbage[0, :5], atol=1e-5)
    assert not np.any(node_garbage[0, 5:])


def test_every_real_node_reaches_the_graph_output_and_edge_types_matter():
    graph = tree([0, 1, 1, 3], seed=5)
    for node in range(5):
        features = graph['node_features'].copy()
        features[node, 0] = features[node, 0] % 5 + 1
        changed = {**graph, 'node_features': features}
        outputs = applied('graph')(*inputs([graph, changed], BUDGET))
        assert not np.allclose(*outputs, atol=1e-4), node
    retyped = {**graph, 'edge_types': graph['edge_types'] % 3 + 1}
    for encoding, matters in (('path', True), ('first_edge', True), ('none', False)):
        outputs = applied('graph', encoding)(*inputs([graph, retyped], BUDGET))
        assert np.allclose(*outputs, atol=1e-6) != matters, encoding


def test_edge_encoding_is_the_mean_weight_along_the_path():
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(LENGTH, EDGE_VOCAB, 2))
    graph = tree([0, 1, 2, 2, 4], seed=1)  # paths of up to 4 edges
    padded = pad_graphs([graph], BUDGET, LENGTH)
    types = padded['path_edge_types'][0]
    got = np.asarray(graphormer.edge_encoding(jnp.asarray(types)[None], jnp.asarray(weights)))[0]
    for i in range(6):
        for j in range(6):
            path = [t for t in types[i, j] if t > 0]
            assert len(path) == padded['shortest_path'][0, i, j]
            want = np.mean([weights[n, t] for n, t in enumerate(path)], 0) if path else 0
            np.testing.assert_allclose(got[i, j], want, rtol=1e-5, atol=1e-6)


def test_spatial_buckets_and_graph_token_bias():
    distances = jnp.array([[0, 1, 4, 5, 6, 7, 8, 3]])
    buckets = graphormer.spatial_buckets(distances, max_distance=5)
    np.testing.assert_array_equal(buckets, [[0, 1, 4, 5, 5, 5, 6, 3]])  # 8 = N: unreachable
    bias = jnp.arange(2 * 9.0).reshape(1, 2, 3, 3)
    full = graphormer.with_graph_token(bias, jnp.array([-1.0, -2.0]))
    assert full.shape == (1, 2, 4, 4)
    np.testing.assert_array_equal(full[0, :, 1:, 1:], bias[0])
    np.testing.assert_array_equal(full[0, 1, 0], [-2.0] * 4)
    np.testing.assert_array_equal(full[0, 0, :, 0], [-1.0] * 4)


def test_locality_prior_starts_the_spatial_bias_at_minus_prior_per_hop():
    table = graphormer.locality_init(1.5)(jax.random.PRNGKey(0), (7, 4))
    np.testing.assert_allclose(table, -1.5 * np.arange(7.0)[:, None] * np.ones(4), atol=0.1)


def test_check_names_the_bad_setting():
    kwargs = {'node_vocab_sizes': NODE_VOCAB}
    with pytest.raises(ConfigError, match='readout'):
        Graphormer.check({**kwargs, 'readout': 'edge'}, (BUDGET, 2))
    with pytest.raises(ConfigError, match='heads=3 does not divide width=16'):
        Graphormer.check({**kwargs, 'width': 16, 'heads': 3}, (BUDGET, 2))
    with pytest.raises(ConfigError, match='2 entries for 5'):
        Graphormer.check(kwargs, (BUDGET, 5))


def test_regression_metrics_are_in_data_units_and_skip_padding():
    batch = {
        'target': jnp.array([0.5, -1.0, 9.0]),
        'target_scale': jnp.array([2.0, 2.0, 0.0]),
        'mask': jnp.array([1.0, 1.0, 0.0]),
    }
    outputs = jnp.array([[1.0], [-1.5], [100.0]])
    loss, metrics = GraphRegression().loss(outputs, batch)
    np.testing.assert_allclose(loss, 0.25)
    assert float(metrics['mae'][0]) == 2.0 and float(metrics['mae'][1]) == 2.0
    assert float(metrics['mse'][0]) == 2.0


def test_node_classification_counts_labelled_real_nodes_only():
    logits = jnp.array([[[2.0, 0.0], [0.0, 2.0], [5.0, 0.0]], [[0.0, 1.0], [1.0, 0.0], [0, 0]]])
    batch = {
        'node_labels': jnp.array([[0, 0, 1], [1, 1, 0]]),
        'node_label_mask': jnp.array([[True, True, False], [True, True, True]]),
        'node_mask': jnp.array([[True, True, True], [True, True, False]]),
        'mask': jnp.array([1.0, 0.0]),
    }
    _, metrics = NodeClassification().loss(logits, batch)
    assert float(metrics['accuracy'][1]) == 2  # nodes 0 and 1 of the first graph
    assert float(metrics['accuracy'][0]) == 1


def test_sum_readout_scales_the_node_terms_and_adds_the_bias_once():
    batch = inputs([tree([0, 0, 1], seed=7), tree([0], seed=8)], BUDGET)
    node_net, sum_net = model('node'), model('sum').clone(sum_scale=0.25)
    params = {'params': random_params(node_net, batch)}  # both readouts share the head's shapes
    nodes, summed = node_net.apply(params, *batch), sum_net.apply(params, *batch)
    bias = params['params']['head']['bias']
    terms = (nodes - bias) * batch[GRAPH_INPUTS.index('node_mask')][..., None]
    np.testing.assert_allclose(summed, bias + 0.25 * terms.sum(axis=1), rtol=1e-5, atol=1e-5)
    assert not np.allclose(summed[0], summed[1], atol=1e-3)


def test_graph_regression_names_an_unknown_readout():
    with pytest.raises(ConfigError, match=r"config.task.kwargs.readout='mean' is not allowed"):
        GraphRegression(readout='mean').model_kwargs(None)
