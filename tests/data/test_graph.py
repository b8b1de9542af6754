"""Padding and structure arrays of seqlab.data.graph."""

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqlab.data.graph import pad_graph, pad_graphs

BUDGET = 12


@st.composite
def graphs(draw, connected_tree: bool = False) -> dict:
    """Random undirected graphs (or random trees) with categorical node and edge types."""
    num_nodes = draw(st.integers(1, BUDGET - 2))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    if connected_tree:
        pairs = [(int(rng.integers(0, child)), child) for child in range(1, num_nodes)]
    else:
        candidates = [(i, j) for i in range(num_nodes) for j in range(i + 1, num_nodes)]
        pairs = [pair for pair in candidates if rng.random() < 0.3]
    return {
        'id': seed,
        'node_features': rng.integers(1, 9, size=(num_nodes, 3)),
        'edges': np.array(pairs, np.int64).reshape(-1, 2),
        'edge_types': rng.integers(1, 5, size=len(pairs)),
        'node_labels': rng.integers(0, 2, size=num_nodes),
    }


def permuted(graph: dict, order: np.ndarray) -> dict:
    """Relabels nodes so that new node k is old node order[k]."""
    new_index = np.argsort(order)
    return {
        **graph,
        'node_features': graph['node_features'][order],
        'node_labels': graph['node_labels'][order],
        'edges': new_index[graph['edges']],
    }


def test_path_graph_by_hand():
    graph = {
        'node_features': np.array([[1], [2], [3], [4]]),
        'edges': np.array([[0, 1], [1, 2], [2, 3]]),
        'edge_types': np.array([1, 2, 3]),
        'id': 7,
    }
    padded = pad_graph(graph, node_budget=6, max_path_length=2)
    assert padded['id'] == 7
    np.testing.assert_array_equal(padded['degree'], [1, 2, 2, 1, 0, 0])
    np.testing.assert_array_equal(padded['shortest_path'][0], [0, 1, 2, 3, 6, 6])
    np.testing.assert_array_equal(padded['path_edge_types'][0, 3], [1, 2])  # truncated to L=2
    np.testing.assert_array_equal(padded['path_edge_types'][3, 0], [3, 2])  # walked from 3
    np.testing.assert_array_equal(padded['path_edge_types'][2, 2], [0, 0])


@settings(max_examples=40, deadline=None)
@given(graph=graphs(), data=st.data())
def test_permuting_nodes_permutes_structure(graph, data):
    num_nodes = len(graph['node_features'])
    order = np.array(data.draw(st.permutations(range(num_nodes))))
    original = pad_graph(graph, BUDGET)
    moved = pad_graph(permuted(graph, order), BUDGET)
    for key in ('node_features', 'node_labels', 'degree', 'node_mask'):
        np.testing.assert_array_equal(moved[key][:num_nodes], original[key][order], err_msg=key)
    for key in ('adjacency', 'edge_type_matrix', 'shortest_path'):
        np.testing.assert_array_equal(
            moved[key][:num_nodes, :num_nodes], original[key][np.ix_(order, order)], err_msg=key
        )


@settings(max_examples=30, deadline=None)
@given(graph=graphs(connected_tree=True), data=st.data())
def test_path_edge_types_are_equivariant_on_trees(graph, data):
    num_nodes = len(graph['node_features'])
    order = np.array(data.draw(st.permutations(range(num_nodes))))
    original = pad_graph(graph, BUDGET, max_path_length=4)['path_edge_types']
    moved = pad_graph(permuted(graph, order), BUDGET, max_path_length=4)['path_edge_types']
    np.testing.assert_array_equal(moved[:num_nodes, :num_nodes], original[np.ix_(order, order)])


@settings(max_examples=40, deadline=None)
@given(graph=graphs())
def test_structure_matches_networkx(graph):
    num_nodes = len(graph['node_features'])
    reference = nx.Graph()
    reference.add_nodes_from(range(num_nodes))
    reference.add_edges_from(map(tuple, graph['edges']))
    padded = pad_graph(graph, BUDGET, max_path_length=3)
    lengths = dict(nx.all_pairs_shortest_path_length(reference))
    for i in range(num_nodes):
        assert padded['degree'][i] == reference.degree[i]
        for j in range(num_nodes):
            expected = lengths[i].get(j, BUDGET)
            assert padded['shortest_path'][i, j] == expected
            path = padded['path_edge_types'][i, j]
            # The walked path has min(distance, L) edges, each present in the graph, and the first
            # edge leads to a neighbour one hop closer to j.
            steps = 0 if expected == BUDGET else min(expected, 3)
            assert np.count_nonzero(path) == steps and not path[steps:].any()
            if steps:
                closer = [k for k in reference[i] if lengths[k].get(j) == expected - 1]
                assert path[0] in {padded['edge_type_matrix'][i, k] for k in closer}


@settings(max_examples=40, deadline=None)
@given(graph=graphs())
def test_padding_nodes_are_masked_and_isolated(graph):
    num_nodes = len(graph['node_features'])
    padded = pad_graph(graph, BUDGET)
    pad = slice(num_nodes, None)
    assert padded['node_mask'][:num_nodes].all() and not padded['node_mask'][pad].any()
    assert not padded['node_features'][pad].any() and not padded['node_labels'][pad].any()
    assert not padded['adjacency'][pad].any() and not padded['adjacency'][:, pad].any()
    assert not padded['edge_type_matrix'][pad].any() and not padded['degree'][pad].any()
    assert (padded['shortest_path'][pad] == BUDGET).all()
    assert (padded['shortest_path'][:, pad] == BUDGET).all()
    assert not padded['path_edge_types'][pad].any() and not padded['path_edge_types'][:, pad].any()
    np.testing.assert_array_equal(padded['adjacency'], padded['adjacency'].T)
    assert padded['adjacency'].sum() == 2 * len(graph['edges'])


def test_pad_graphs_stacks_fixed_shapes():
    rng = np.random.default_rng(0)
    small = {'node_features': rng.integers(1, 5, (2, 3)), 'edges': [[0, 1]], 'edge_types': [1]}
    large = {'node_features': rng.integers(1, 5, (5, 3)), 'edges': [[0, 4]], 'edge_types': [2]}
    batch = pad_graphs([small, large], node_budget=6, max_path_length=2)
    assert batch['node_features'].shape == (2, 6, 3)
    assert batch['shortest_path'].shape == (2, 6, 6)
    assert batch['path_edge_types'].shape == (2, 6, 6, 2)
    np.testing.assert_array_equal(batch['node_mask'].sum(axis=1), [2, 5])


@pytest.mark.parametrize(
    ('graph', 'message'),
    [
        ({'node_features': np.zeros((0, 2)), 'edges': [], 'edge_types': []}, 'no nodes'),
        ({'node_features': np.ones((13, 2)), 'edges': [], 'edge_types': []}, 'node budget 12'),
        ({'node_features': np.ones((2, 2)), 'edges': [[0, 2]], 'edge_types': [1]}, r'\[0, 2\)'),
        ({'node_features': np.ones((2, 2)), 'edges': [[1, 1]], 'edge_types': [1]}, 'self-loops'),
        (
            {'node_features': np.ones((2, 2)), 'edges': [[0, 1], [1, 0]], 'edge_types': [1, 1]},
            'duplicate',
        ),
        ({'node_features': np.ones((2, 2)), 'edges': [[0, 1]], 'edge_types': [0]}, '>= 1'),
        ({'node_features': np.ones((2, 2)), 'edges': [[0, 1]]}, 'lacks'),
    ],
)
def test_bad_graphs_raise(graph, message):
    with pytest.raises(ValueError, match=message):
        pad_graph(graph, node_budget=BUDGET)


def test_empty_batch_raises():
    with pytest.raises(ValueError, match='at least one graph'):
        pad_graphs([], node_budget=4)
