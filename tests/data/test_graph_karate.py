"""The karate club builder: one transductive graph, disjoint per-split label masks."""

import networkx as nx
import numpy as np

from seqlab.data.builders.karate import CLUBS, Karate, node_splits
from seqlab.data.graph import pad_graph

SPLITS = ('train', 'validation', 'test')


def test_karate_splits_share_the_graph_and_partition_the_labels(tmp_path):
    builder = Karate(data_dir=str(tmp_path), file_format='array_record')
    builder.download_and_prepare()
    sources = builder.as_data_source()
    examples = {name: sources[name][0] for name in SPLITS}
    masks = np.stack([examples[name]['node_label_mask'] for name in SPLITS])
    np.testing.assert_array_equal(masks.sum(axis=0), np.ones(34))  # each member in one split
    assert masks.sum(axis=1).tolist() == [8, 8, 18]
    reference = nx.karate_club_graph()
    labels = examples['train']['node_labels']
    for club in (0, 1):
        assert masks[0, labels == club].sum() == 4  # balanced training labels
    assert [CLUBS[labels[n]] for n in (0, 33)] == [reference.nodes[0]['club'], 'Officer']
    assert masks[0, 0] and masks[0, 33]
    padded = pad_graph(examples['test'], node_budget=40)
    expected = nx.to_numpy_array(reference, weight=None).astype(bool)
    np.testing.assert_array_equal(padded['adjacency'][:34, :34], expected)
    np.testing.assert_array_equal(padded['node_label_mask'][:34], masks[2])
    assert not padded['node_label_mask'][34:].any()
    for name in SPLITS[1:]:
        np.testing.assert_array_equal(examples[name]['edges'], examples['train']['edges'])


def test_node_splits_are_deterministic():
    labels = np.array([0, 1] * 17)
    first, second = node_splits(labels), node_splits(labels)
    for name in SPLITS:
        np.testing.assert_array_equal(first[name], second[name])
