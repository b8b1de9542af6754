"""Graphs in the layout of the Open Graph Benchmark's molecule datasets (TFDS `ogbg_molpcba`) read
as seqlab graphs (seqlab/data/graph.py), converted as they are read (`views.View`).

OGB stores a molecule as
  num_nodes, num_edges  [1] int
  node_feat   [nodes, 9] categorical ids from 0, OGB's atom features: atomic number - 1,
              chirality, degree, formal charge, hydrogens, radical electrons, hybridisation,
              aromatic, in a ring (float in TFDS, whole numbers)
  edge_index  [edges, 2] int, each bond once
  edge_feat   [edges, 3] categorical ids from 0: bond type, stereo, conjugated
  labels      [tasks] float: 1, 0, or NaN where the task was not measured
and seqlab reads it as
  node_features  node_feat + 1 as int32, so 0 stays the padding id of every seqlab graph. Each
                 column is its own vocabulary, as the built-in molecules' five columns are
                 (seqlab/data/chem.py), and the Graphormer embeds each with its own table;
                 the ids keep OGB's meaning, not the built-in molecules' (another featurisation).
  edges          edge_index (an edge listed in both directions is kept once, its first listing)
  edge_types     1 + (bond type * 6 + stereo) * 2 + conjugated: the three bond ids as the one
                 type id (1..60) a seqlab edge has, so the Graphormer's edge encoding reads every
                 combination OGB can store (its bond vocabularies: EDGE_VOCABULARIES)
  labels         as stored: a multi-label target (NaN = missing; seqlab/tasks/graph_multilabel.py)
  num_nodes      a scalar
"""

from collections.abc import Mapping
from typing import Any

import numpy as np
import tensorflow_datasets as tfds

from seqlab.data import views
from seqlab.data.types import BadRecordError

LAYOUT = ('num_nodes', 'node_feat', 'edge_index', 'edge_feat', 'labels')
EDGE_VOCABULARIES = (5, 6, 2)  # OGB's bond type, stereo and conjugated ids (get_bond_feature_dims)


def is_layout(features: Mapping[str, Any]) -> bool:
    """Whether a features dict stores graphs in OGB's layout."""
    return set(LAYOUT) <= set(features)


def graph_features(features: tfds.features.FeaturesDict) -> tfds.features.FeaturesDict:
    """The seqlab features of OGB's `features` (module docstring)."""
    return tfds.features.FeaturesDict(
        {
            'num_nodes': tfds.features.Scalar(dtype=np.int32),
            'node_features': tfds.features.Tensor(
                shape=(None, features['node_feat'].shape[-1]), dtype=np.int32
            ),
            'edges': tfds.features.Tensor(shape=(None, 2), dtype=np.int32),
            'edge_types': tfds.features.Tensor(shape=(None,), dtype=np.int32),
            'labels': features['labels'],
            **({'id': features['id']} if 'id' in features else {}),
        }
    )


def categorical(values: np.ndarray, name: str) -> np.ndarray:
    """`values` as int64 ids; a BadRecordError unless they are whole numbers >= 0."""
    ids = np.asarray(values)
    bad = (ids < 0) | (ids != np.floor(ids))
    if np.any(bad):
        raise BadRecordError(
            f'{name} holds {ids[bad][0]}; allowed: categorical ids, whole numbers >= 0'
        )
    return ids.astype(np.int64)


def edge_type(edge_feat: np.ndarray, num_edges: int) -> np.ndarray:
    """[edges, 3] bond ids -> [edges] one type id in 1..60 (module docstring)."""
    ids = categorical(edge_feat, 'edge_feat')
    vocabularies = np.array(EDGE_VOCABULARIES)
    if ids.shape != (num_edges, len(vocabularies)) or np.any(ids >= vocabularies):
        largest = ids.max(axis=0).tolist() if ids.size else []
        raise BadRecordError(
            f'edge_feat of shape {ids.shape} has largest ids {largest} per column; allowed: '
            f"[{num_edges} edges, 3] below OGB's bond vocabularies {list(EDGE_VOCABULARIES)}"
        )
    return (1 + (ids[:, 0] * 6 + ids[:, 1]) * 2 + ids[:, 2]).astype(np.int32)


def graph(record: Mapping[str, Any]) -> dict:
    """One OGB record as a seqlab graph (module docstring)."""
    nodes = categorical(record['node_feat'], 'node_feat')
    edges = np.asarray(record['edge_index'], np.int64).reshape(-1, 2)
    _, first = np.unique(np.sort(edges, axis=1), axis=0, return_index=True)
    once = np.sort(first)
    graph = {
        'num_nodes': np.int32(len(nodes)),
        'node_features': (nodes + 1).astype(np.int32),
        'edges': edges[once].astype(np.int32),
        'edge_types': edge_type(record['edge_feat'], len(edges))[once],
        'labels': np.asarray(record['labels'], np.float32),
    }
    if 'id' in record:
        graph['id'] = record['id']
    return graph


def view(builder: tfds.core.DatasetBuilder) -> views.View:
    """`builder`'s OGB graphs read as seqlab graphs."""
    return views.View(builder, graph_features(builder.info.features), graph)
