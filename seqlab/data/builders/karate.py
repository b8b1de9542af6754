"""Zachary's karate club: node classification of 34 members into the 2 clubs after the split.

Source: `networkx.karate_club_graph()` (78 friendships). Transductive: every split holds the
same whole graph; `node_label_mask` marks the members whose club that split scores. Train has 4
members per club (both leaders, 0 'Mr. Hi' and 33 'Officer', among them), validation 4 per club,
test the other 18; the non-leaders are drawn per club by a fixed-seed permutation.
  node_features    [34, 1] member index + 1 (an identity embedding; 0 is padding)
  edge_types       [78] number of contexts in which the two members met (1..7, networkx `weight`)
  node_labels      [34] club: 0 'Mr. Hi', 1 'Officer'
  node_label_mask  [34] bool
"""

import numpy as np
import tensorflow_datasets as tfds

MODALITY = 'graph'

CLUBS = ('Mr. Hi', 'Officer')
LEADERS = (0, 33)
PER_CLUB = {'train': 4, 'validation': 4}
SEED = 0
NUM_NODES = 34
EDGE_VOCAB_SIZE = 8


def load() -> dict[str, np.ndarray]:
    """The whole graph: node_features, edges, edge_types and node_labels (module docstring)."""
    import networkx as nx  # imported when the dataset is prepared

    graph = nx.karate_club_graph()
    edges = np.array(list(graph.edges()), np.int32)
    return {
        'node_features': np.arange(1, graph.number_of_nodes() + 1, dtype=np.int32)[:, None],
        'edges': edges,
        'edge_types': np.array([graph.edges[u, v]['weight'] for u, v in edges], np.int32),
        'node_labels': np.array([CLUBS.index(graph.nodes[n]['club']) for n in graph], np.int32),
    }


def node_splits(labels: np.ndarray) -> dict[str, np.ndarray]:
    """Split name -> bool mask [nodes]: leaders first into train, then a fixed-seed draw per club."""
    rng = np.random.default_rng(SEED)
    masks = {name: np.zeros(len(labels), bool) for name in ('train', 'validation', 'test')}
    for club in range(len(CLUBS)):
        members = [n for n in np.flatnonzero(labels == club) if n not in LEADERS]
        order = [n for n in LEADERS if labels[n] == club] + list(rng.permutation(members))
        masks['train'][order[: PER_CLUB['train']]] = True
        masks['validation'][order[PER_CLUB['train'] : sum(PER_CLUB.values())]] = True
        masks['test'][order[sum(PER_CLUB.values()) :]] = True
    return masks


class Karate(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """The karate club graph with per-split node label masks."""

    VERSION = tfds.core.Version('1.0.0')
    RELEASE_NOTES = {'1.0.0': 'networkx karate club, 8 / 8 / 18 labelled members.'}

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description=__doc__,
            features=tfds.features.FeaturesDict(
                {
                    'id': tfds.features.Scalar(dtype=np.int64),
                    'node_features': tfds.features.Tensor(shape=(None, 1), dtype=np.int32),
                    'edges': tfds.features.Tensor(shape=(None, 2), dtype=np.int32),
                    'edge_types': tfds.features.Tensor(shape=(None,), dtype=np.int32),
                    'node_labels': tfds.features.Tensor(shape=(None,), dtype=np.int32),
                    'node_label_mask': tfds.features.Tensor(shape=(None,), dtype=np.bool_),
                }
            ),
            homepage='https://networkx.org/documentation/stable/auto_examples/graph/plot_karate_club.html',
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # networkx ships the graph.
        graph = load()
        masks = node_splits(graph['node_labels'])
        return {
            name: self._generate_examples(index, graph, mask)
            for index, (name, mask) in enumerate(masks.items())
        }

    def _generate_examples(self, index: int, graph: dict, mask: np.ndarray):
        yield index, {'id': index, **graph, 'node_label_mask': mask}
