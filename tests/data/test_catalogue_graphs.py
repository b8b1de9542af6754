"""`tfds:ogbg_molpcba` prepared for real by its TFDS builder from OGB's raw CSV files written by
the test (tests/data/catalogue_files.py), read as seqlab graphs (seqlab/data/ogb.py) and trained a
few steps by configs/graphormer.py:ogb=ogbg_molpcba with a masked multi-label loss."""

import pathlib

import numpy as np
import pandas as pd
import pytest

from seqlab import data
from seqlab.config import ConfigError
from seqlab.data import ogb
from seqlab.train import loop
from tests.data.catalogue_files import prepared_files, serve, smoke_config

TASKS = 128
SPLITS = {'train': range(0, 24), 'valid': range(24, 30), 'test': range(30, 36)}


def molecule(index: int) -> dict[str, np.ndarray]:
    """Graph `index` in OGB's layout: a ring of 4..9 atoms with a tail, whose first atom's id is
    `index` (so a batch names its graph), OGB-range features and labels with NaN gaps; graph 3
    lists its first bond in both directions."""
    rng = np.random.default_rng(index)
    ring = 4 + index % 6
    nodes = ring + 2
    edges = [(i, (i + 1) % ring) for i in range(ring)] + [(0, ring), (ring, ring + 1)]
    if index == 3:
        edges.insert(1, (1, 0))
    node_feat = rng.integers(0, [119, 5, 12, 12, 10, 6, 6, 2, 2], size=(nodes, 9))
    node_feat[0, 0] = index
    edge_feat = rng.integers(0, ogb.EDGE_VOCABULARIES, size=(len(edges), 3))
    labels = rng.integers(0, 2, size=TASKS).astype(float)
    labels[rng.random(TASKS) < 0.7] = np.nan
    labels[index % TASKS] = index % 2  # every graph measured on one task at least
    return {
        'edge_index': np.array(edges),
        'node_feat': node_feat,
        'edge_feat': edge_feat,
        'labels': labels,
    }


MOLECULES = [molecule(i) for i in range(36)]


def write_ogb(root: pathlib.Path) -> pathlib.Path:
    """The extracted pcba.zip: pcba/raw/*.csv.gz and pcba/split/scaffold/*.csv.gz, as OGB writes
    them (one row per node, edge or graph; no header; NaN as an empty cell)."""
    raw, split = root / 'pcba' / 'raw', root / 'pcba' / 'split' / 'scaffold'
    raw.mkdir(parents=True)
    split.mkdir(parents=True)

    def write(path: pathlib.Path, rows) -> None:
        pd.DataFrame(rows).to_csv(path, compression='gzip', header=False, index=False)

    stacked = {key: np.concatenate([m[key] for m in MOLECULES]) for key in MOLECULES[0]}
    write(raw / 'edge.csv.gz', stacked['edge_index'])
    write(raw / 'node-feat.csv.gz', stacked['node_feat'])
    write(raw / 'edge-feat.csv.gz', stacked['edge_feat'])
    write(raw / 'graph-label.csv.gz', np.stack([m['labels'] for m in MOLECULES]))
    write(raw / 'num-node-list.csv.gz', [[len(m['node_feat'])] for m in MOLECULES])
    write(raw / 'num-edge-list.csv.gz', [[len(m['edge_index'])] for m in MOLECULES])
    for name, indices in SPLITS.items():
        write(split / f'{name}.csv.gz', [[i] for i in indices])
    return root


def graphormer(tmp_path, **overrides):
    return smoke_config('configs/graphormer.py:ogb=ogbg_molpcba,smoke', tmp_path, **overrides)


def test_ogb_molecules_keep_their_features_bonds_and_missing_labels_and_train(
    tmp_path, monkeypatch
):
    serve(monkeypatch, write_ogb(tmp_path / 'download'))
    config = graphormer(tmp_path, **{'data.eval_split': 'test'})
    splits = data.get(config.data, seed=0)
    node_max = np.max([m['node_feat'].max(axis=0) for m in MOLECULES], axis=0)
    assert splits.info.extras['node_vocab_sizes'] == tuple(int(m) + 2 for m in node_max)
    assert splits.info.extras['num_tasks'] == TASKS
    assert (splits.info.num_train, splits.info.num_eval) == (24, 6)
    largest = max(len(m['node_feat']) for m in MOLECULES)  # ogb= pads to the largest molecule
    assert splits.info.input_shape[0] == largest == splits.eval[0]['node_features'].shape[1]
    seen = {}  # id (position in the stored split) -> graph
    for batch in splits.eval:
        for b in np.flatnonzero(batch['mask']):
            index = int(batch['node_features'][b, 0, 0]) - 1
            expected, nodes = MOLECULES[index], len(MOLECULES[index]['node_feat'])
            np.testing.assert_array_equal(
                batch['node_features'][b, :nodes], expected['node_feat'] + 1
            )
            assert not batch['node_features'][b, nodes:].any()
            types = np.zeros_like(batch['edge_type_matrix'][b])
            for (i, j), (kind, stereo, conjugated) in zip(
                expected['edge_index'][::-1], expected['edge_feat'][::-1], strict=True
            ):  # reversed: where a bond is listed twice, its first listing is written last
                types[i, j] = types[j, i] = 1 + (kind * 6 + stereo) * 2 + conjugated
            np.testing.assert_array_equal(batch['edge_type_matrix'][b], types)
            np.testing.assert_array_equal(batch['label'][b], expected['labels'])
            seen[int(batch['id'][b])] = index
    assert sorted(seen.values()) == list(SPLITS['test'])
    metrics = loop.train_and_evaluate(config, str(tmp_path / 'run'))
    assert np.isfinite(metrics['eval/loss']) and 0.0 <= metrics['eval/accuracy'] <= 1.0
    predictions = np.load(loop.predict(config, str(tmp_path / 'run')))
    assert predictions['probability'].shape == (6, TASKS)
    assert np.all((predictions['probability'] > 0) & (predictions['probability'] < 1))
    for position, label in zip(predictions['id'], predictions['label'], strict=True):
        np.testing.assert_array_equal(label, MOLECULES[seen[int(position)]]['labels'])


def test_a_bond_listed_both_ways_is_one_edge_with_its_first_features():
    graph = ogb.graph({**MOLECULES[3], 'num_nodes': [9], 'num_edges': [10]})
    assert len(graph['edges']) == len(MOLECULES[3]['edge_index']) - 1
    first = MOLECULES[3]['edge_feat'][0]
    assert graph['edge_types'][0] == 1 + (first[0] * 6 + first[1]) * 2 + first[2]


@pytest.mark.parametrize(
    ('overrides', 'message'),
    [
        (
            {'task.name': 'graph_regression'},
            'task graph_regression regresses one number per graph, and config.data.target='
            f"'labels' of dataset 'tfds:ogbg_molpcba' holds {TASKS} binary tasks; allowed: "
            "config.task.name='graph_multilabel'",
        ),
        (
            {'data.target': 'logp'},
            "config.data.target='logp' is not in this dataset; allowed: labels",
        ),
    ],
)
def test_a_target_or_task_that_does_not_fit_the_labels_is_one_line(
    tmp_path, monkeypatch, overrides, message
):
    serve(monkeypatch, write_ogb(tmp_path / 'download'))
    with pytest.raises(ConfigError) as error:
        loop.train_and_evaluate(graphormer(tmp_path, **overrides), str(tmp_path / 'run'))
    assert str(error.value) == message


def test_a_dataset_without_graphs_is_refused_before_the_download(tmp_path, monkeypatch):
    asked = serve(monkeypatch, tmp_path)
    with pytest.raises(ConfigError) as error:
        data.get(graphormer(tmp_path, **{'data.name': 'tfds:ag_news_subset'}).data, seed=0)
    assert str(error.value) == (
        "config.data.name='tfds:ag_news_subset' read as graph: it has neither OGB's graph "
        "features (num_nodes, node_feat, edge_index, edge_feat, labels) nor seqlab's "
        '(node_features, edges, edge_types); its features: label (ClassLabel), title (Text), '
        'description (Text); allowed: a text config (its features fit)'
    )
    assert asked == [] and prepared_files(tmp_path) == []


MOLHIV = """
import pathlib

import numpy as np
import tensorflow_datasets as tfds

MOLECULES = np.load(pathlib.Path(__file__).with_name('molecules.npz'))


class OgbgMolhiv(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    VERSION = tfds.core.Version('1.0.0')

    def _info(self):
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict({
                'num_nodes': tfds.features.Tensor(shape=(None,), dtype=np.int64),
                'node_feat': tfds.features.Tensor(shape=(None, 9), dtype=np.float32),
                'num_edges': tfds.features.Tensor(shape=(None,), dtype=np.int64),
                'edge_feat': tfds.features.Tensor(shape=(None, 3), dtype=np.float32),
                'edge_index': tfds.features.Tensor(shape=(None, 2), dtype=np.int64),
                'labels': tfds.features.Tensor(shape=(1,), dtype=np.float32),
            })
        )

    def _split_generators(self, dl_manager):
        return {
            'train': self._generate_examples(range(30)),
            'test': self._generate_examples(range(30, 36)),
        }

    def _generate_examples(self, indices):
        for i in indices:
            nodes, edges = MOLECULES[f'node_feat_{i}'], MOLECULES[f'edge_index_{i}']
            yield i, {
                'num_nodes': [len(nodes)],
                'node_feat': nodes.astype(np.float32),
                'num_edges': [len(edges)],
                'edge_feat': MOLECULES[f'edge_feat_{i}'].astype(np.float32),
                'edge_index': edges,
                'labels': MOLECULES[f'labels_{i}'][:1].astype(np.float32),
            }
"""


def test_a_builder_of_ones_own_in_ogbs_layout_is_read_as_graphs(tmp_path, monkeypatch):
    """ogbg_molhiv is not in the TFDS catalogue: a user's builder in OGB's layout (one task)."""
    package = tmp_path / 'ogblab'  # not mylab: test_user_builder imports that package
    package.mkdir()
    (package / '__init__.py').write_text('')
    (package / 'molhiv.py').write_text(MOLHIV)
    arrays = {f'{key}_{i}': value for i, m in enumerate(MOLECULES) for key, value in m.items()}
    np.savez(package / 'molecules.npz', **arrays)
    monkeypatch.chdir(tmp_path)
    overrides = {'data.builder': 'ogblab.molhiv:OgbgMolhiv', 'data.test_split': 'test'}
    config = graphormer(tmp_path, **overrides)
    splits = data.get(config.data, seed=0)
    assert splits.info.extras['num_tasks'] == 1
    labels = {
        int(batch['node_features'][b, 0, 0]) - 1: batch['label'][b]
        for batch in splits.eval
        for b in np.flatnonzero(batch['mask'])
    }
    assert len(labels) == splits.info.num_eval > 0
    for index, label in labels.items():
        np.testing.assert_array_equal(label, MOLECULES[index]['labels'][:1])
    metrics = loop.train_and_evaluate(config, str(tmp_path / 'run'))
    assert np.isfinite(metrics['eval/loss'])
