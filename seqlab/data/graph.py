"""Graphs as fixed-shape arrays: pad to a node budget and precompute structure for attention.

A graph is a dict of numpy arrays (what the graph builders store):
  node_features: [num_nodes, num_features] int, categorical ids with 0 reserved for padding
  edges:         [num_edges, 2] int, undirected, each edge listed once, no self-loops
  edge_types:    [num_edges] int >= 1 (0 means "no edge")
  node_*:        any other per-node array [num_nodes, ...] (node labels, label masks)
Every other key (`id`, graph targets) passes through unchanged.

`pad_graph` returns, for a node budget N and a maximum path length L:
  node_features    [N, F] int32   zeros on padding nodes (other `node_*` arrays padded likewise)
  node_mask        [N] bool       True on real nodes
  adjacency        [N, N] bool    symmetric; padding nodes carry no edges
  edge_type_matrix [N, N] int32   edge type of each adjacent pair, 0 elsewhere
  degree           [N] int32      number of neighbours
  shortest_path    [N, N] int32   hop distance; N (the budget) marks unreachable and padding pairs
  path_edge_types  [N, N, L] int32  types of the first L edges along one shortest path i -> j,
                                   0 past the path's end (Graphormer's edge encoding)

Distances and paths come from `scipy.sparse.csgraph.shortest_path`. Where several shortest paths
join i and j, `path_edge_types` follows the one in scipy's predecessor tree rooted at j, which
depends on node order: it is permutation-equivariant exactly where shortest paths are unique (trees)
or agree in their edge types; adjacency, degree and distances always are.
"""

from collections.abc import Mapping, Sequence

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from seqlab.data.types import BadRecordError

GRAPH_KEYS = ('node_features', 'edges', 'edge_types')
NODE_PREFIX = 'node_'


def check_graph(graph: Mapping[str, np.ndarray], node_budget: int) -> int:
    """Validates a graph (one-line BadRecordErrors, a ValueError) and returns its node count."""
    missing = [key for key in GRAPH_KEYS if key not in graph]
    if missing:
        raise BadRecordError(f'graph lacks keys {missing}; a graph needs {list(GRAPH_KEYS)}')
    num_nodes = len(graph['node_features'])
    if num_nodes == 0:
        raise BadRecordError('graph has no nodes; allowed: graphs of at least one node')
    if num_nodes > node_budget:
        raise BadRecordError(
            f'graph has {num_nodes} nodes, more than the node budget {node_budget}'
        )
    edges = np.asarray(graph['edges']).reshape(-1, 2)
    if edges.size and (edges.min() < 0 or edges.max() >= num_nodes):
        raise BadRecordError(
            f'edge endpoints must lie in [0, {num_nodes}), got {edges.min()}..{edges.max()}'
        )
    if np.any(edges[:, 0] == edges[:, 1]):
        raise BadRecordError(
            f'self-loops are not allowed, got {edges[edges[:, 0] == edges[:, 1]][0]}'
        )
    pairs = np.sort(edges, axis=1)
    if len(np.unique(pairs[:, 0] * num_nodes + pairs[:, 1])) != len(pairs):
        raise BadRecordError('duplicate edges: list each undirected edge once')
    edge_types = np.asarray(graph['edge_types'])
    if edge_types.shape != (len(edges),):
        raise BadRecordError(f'edge_types has shape {edge_types.shape}, expected ({len(edges)},)')
    if edge_types.size and edge_types.min() < 1:
        raise BadRecordError(f'edge types must be >= 1 (0 means no edge), got {edge_types.min()}')
    return num_nodes


def _path_edge_types(
    edge_type_matrix: np.ndarray, predecessors: np.ndarray, max_path_length: int
) -> np.ndarray:
    """Walks every pair's shortest path from its source towards its target.

    `predecessors[j, k]` is the node before k on the path from j to k, hence the next hop from k
    towards j. Returns [n, n, max_path_length] int32 edge types, 0 past the end of each path.
    """
    n = len(edge_type_matrix)
    targets = np.broadcast_to(np.arange(n)[None, :], (n, n))
    current = np.broadcast_to(np.arange(n)[:, None], (n, n)).copy()
    path_types = np.zeros((n, n, max_path_length), np.int32)
    for step in range(max_path_length):
        following = predecessors[targets, current]
        on_path = following >= 0
        path_types[..., step] = np.where(
            on_path, edge_type_matrix[current, np.maximum(following, 0)], 0
        )
        current = np.where(on_path, following, current)
    return path_types


def pad_graph(
    graph: Mapping[str, np.ndarray], node_budget: int, max_path_length: int = 5
) -> dict[str, np.ndarray]:
    """Pads one graph to `node_budget` nodes and adds its structure arrays (module docstring)."""
    if max_path_length < 1:
        raise ValueError(f'max_path_length must be >= 1, got {max_path_length}')
    num_nodes = check_graph(graph, node_budget)
    edges = np.asarray(graph['edges'], np.int64).reshape(-1, 2)
    edge_types = np.asarray(graph['edge_types'], np.int32)

    type_matrix = np.zeros((num_nodes, num_nodes), np.int32)
    type_matrix[edges[:, 0], edges[:, 1]] = edge_types
    type_matrix[edges[:, 1], edges[:, 0]] = edge_types
    adjacency = type_matrix > 0
    edge_list = sparse.csr_array(
        (np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(num_nodes, num_nodes)
    )
    distances, predecessors = csgraph.shortest_path(
        edge_list, directed=False, unweighted=True, return_predecessors=True
    )
    distances = np.where(np.isinf(distances), node_budget, distances).astype(np.int32)

    padded = {key: value for key, value in graph.items() if key not in GRAPH_KEYS}
    for key, value in graph.items():
        if key.startswith(NODE_PREFIX):
            value = np.asarray(value)
            padding = [(0, node_budget - num_nodes)] + [(0, 0)] * (value.ndim - 1)
            padded[key] = np.pad(value, padding)
    padded['node_features'] = padded['node_features'].astype(np.int32)
    padded['node_mask'] = np.arange(node_budget) < num_nodes

    real = (slice(0, num_nodes), slice(0, num_nodes))
    padded['adjacency'] = np.zeros((node_budget, node_budget), bool)
    padded['adjacency'][real] = adjacency
    padded['edge_type_matrix'] = np.zeros((node_budget, node_budget), np.int32)
    padded['edge_type_matrix'][real] = type_matrix
    padded['degree'] = padded['adjacency'].sum(axis=1).astype(np.int32)
    padded['shortest_path'] = np.full((node_budget, node_budget), node_budget, np.int32)
    padded['shortest_path'][real] = distances
    padded['path_edge_types'] = np.zeros((node_budget, node_budget, max_path_length), np.int32)
    padded['path_edge_types'][real] = _path_edge_types(type_matrix, predecessors, max_path_length)
    return padded


def pad_graphs(
    graphs: Sequence[Mapping[str, np.ndarray]], node_budget: int, max_path_length: int = 5
) -> dict[str, np.ndarray]:
    """Pads each graph (see `pad_graph`) and stacks them: arrays gain a leading [batch] axis."""
    if not graphs:
        raise ValueError('pad_graphs needs at least one graph, got none')
    padded = [pad_graph(graph, node_budget, max_path_length) for graph in graphs]
    return {key: np.stack([item[key] for item in padded]) for key in padded[0]}
