"""Graph splits: padded batches, targets standardised with train statistics, clear errors."""

import ml_collections
import numpy as np
import pytest

from seqlab import data
from seqlab.config import ConfigError
from seqlab.data import builders, graph_splits


def config(**overrides) -> ml_collections.ConfigDict:
    values = {
        'name': 'molecules/tiny',
        'batch_size': 16,
        'eval_batch_size': 32,
        'data_dir': '',  # tests/conftest.py points SEQLAB_DATA_DIR at a per-session folder.
        'train_split': 'train',
        'eval_split': 'test',
        'node_budget': 64,
        'max_path_length': 3,
        'target': 'tpsa',
    }
    return ml_collections.ConfigDict({**values, **overrides})


def records(name: str, split: str) -> list[dict]:
    source = builders.offline(name, data.data_dir(config())).as_data_source()[split]
    return graph_splits.read_all(source)


@pytest.fixture(scope='module')
def molecules() -> data.Splits:
    return data.get(config(), seed=0)


def test_targets_are_standardised_with_train_statistics_only(molecules):
    train_tpsa = np.array([r['tpsa'] for r in records('molecules/tiny', 'train')], np.float64)
    extras = molecules.info.extras
    np.testing.assert_allclose(extras['target_mean'], train_tpsa.mean(), rtol=1e-6)
    np.testing.assert_allclose(extras['target_std'], train_tpsa.std(), rtol=1e-6)
    test = records('molecules/tiny', 'test')
    batch = molecules.eval[0]
    real = batch['mask'] > 0
    assert real.sum() == len(test) < len(real)  # 30 test molecules in a padded batch of 32
    restored = batch['target'][real] * extras['target_std'] + extras['target_mean']
    np.testing.assert_allclose(restored, [r['tpsa'] for r in test], rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(batch['target_scale'][real], extras['target_std'], rtol=1e-6)
    assert np.all(batch['id'][~real] == -1) and not batch['node_mask'][~real].any()


def test_batches_hold_padded_graphs_with_their_structure(molecules):
    batch = next(iter(molecules.train))
    assert batch['node_features'].shape == (16, 64, 5)
    assert batch['path_edge_types'].shape == (16, 64, 64, 3)
    assert batch['shortest_path'].dtype == np.int32 and batch['node_mask'].dtype == bool
    sizes = batch['node_mask'].sum(1)
    np.testing.assert_array_equal(batch['degree'], batch['adjacency'].sum(-1))
    for graph, size in zip(batch['node_features'], sizes, strict=True):
        assert graph[:size].min() >= 1 and not graph[size:].any()  # 0 is padding only
    info = molecules.info
    assert info.input_shape == (64, 5) and info.num_classes == 0
    assert len(info.extras['node_vocab_sizes']) == 5 and info.extras['edge_vocab_size'] >= 5
    # Vocabularies come from every stored split, so parameter shapes never depend on eval_split.
    other = data.get(config(eval_split='validation'), seed=0).info.extras
    for key in ('node_vocab_sizes', 'edge_vocab_size'):
        assert other[key] == info.extras[key]


def test_karate_is_one_graph_with_node_labels_per_split():
    splits = data.get(
        config(
            name='karate', batch_size=1, eval_batch_size=1, node_budget=34, target='node_labels'
        ),
        seed=0,
    )
    info = splits.info
    assert (info.num_train, info.num_eval, info.num_classes) == (1, 1, 2)
    assert info.extras['node_vocab_sizes'] == (35,) and info.extras['edge_vocab_size'] == 8
    train, test = next(iter(splits.train)), splits.eval[0]
    assert train['node_label_mask'].sum() == 8 and test['node_label_mask'].sum() == 18
    assert not (train['node_label_mask'] & test['node_label_mask']).any()
    np.testing.assert_array_equal(train['node_labels'], test['node_labels'])


@pytest.mark.parametrize(
    ('overrides', 'message'),
    [
        (
            {'node_budget': -1},
            r'config.data.node_budget=-1 is not allowed; allowed: an int >= 1, or 0',
        ),
        ({'max_path_length': 'two'}, r'max_path_length=.two. is not allowed'),
        ({'target': ''}, r"config.data.target='' is not allowed"),
    ],
)
def test_check_rejects_bad_keys_in_one_line(overrides, message):
    with pytest.raises(ConfigError, match=message):
        data.check(config(**overrides))


def test_a_too_small_budget_and_an_unknown_target_are_named():
    with pytest.raises(ConfigError, match=r'node_budget=10 is smaller than the largest graph in'):
        data.get(config(node_budget=10), seed=0)
    with pytest.raises(ConfigError, match=r"target='smiles' is not in this dataset; allowed: logp"):
        data.get(config(target='smiles'), seed=0)


def test_a_budget_of_zero_pads_to_the_largest_graph_of_every_split():
    largest = {
        split: max(len(r['node_features']) for r in records('molecules/tiny', split))
        for split in ('train', 'validation', 'test')
    }
    splits = data.get(config(node_budget=0), seed=0)
    budget = max(largest.values())
    assert splits.info.input_shape[0] == budget == splits.info.extras['node_budget']
    batch = splits.eval[0]
    assert (
        batch['node_features'].shape[1] == budget and batch['adjacency'].shape[1:] == (budget,) * 2
    )
    assert batch['node_mask'].sum(axis=1).max() == largest['test']
    with pytest.raises(
        ConfigError, match=rf'\({budget} nodes\); allowed: an int >= {budget}, or 0'
    ):
        data.get(config(node_budget=budget - 1), seed=0)
