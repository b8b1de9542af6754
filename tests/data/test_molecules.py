"""Molecule featurisation, skip rules, scaffold split and the two molecule builders."""

import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdkit import Chem
from rdkit.Chem import Crippen, rdMolDescriptors

from seqlab.data import chem
from seqlab.data.builders.molecules import Molecules
from seqlab.data.builders.molecules_activity import MoleculesActivity, read_measurements
from seqlab.data.graph import pad_graph

SPLITS = ('train', 'validation', 'test')


def build(builder_class, data_dir, **kwargs) -> dict[str, list[dict]]:
    builder = builder_class(data_dir=str(data_dir), file_format='array_record', **kwargs)
    builder.download_and_prepare()
    sources = builder.as_data_source()
    return {name: [sources[name][i] for i in range(len(sources[name]))] for name in SPLITS}


@pytest.fixture(scope='module')
def tiny_dir(tmp_path_factory) -> pathlib.Path:
    data_dir = tmp_path_factory.mktemp('molecules')
    build(Molecules, data_dir, config='tiny')
    return data_dir


@pytest.fixture(scope='module')
def tiny(tiny_dir) -> dict[str, list[dict]]:
    return build(Molecules, tiny_dir, config='tiny')


@pytest.fixture(scope='module')
def activity(tmp_path_factory) -> dict[str, list[dict]]:
    return build(MoleculesActivity, tmp_path_factory.mktemp('activity'))


def test_atom_and_bond_ids_by_hand():
    # Phenolate of 4-chloro-phenol: an aromatic ring, a charged oxygen and a chlorine.
    graph = chem.molecule_graph(Chem.MolFromSmiles('[O-]c1ccc(Cl)cc1'))
    oxygen, first_ring_carbon, chlorine = graph['node_features'][[0, 1, 5]]
    # element, degree, formal charge, aromatic, hydrogens (all shifted so that 0 means padding)
    np.testing.assert_array_equal(oxygen, [4, 2, 2, 1, 1])
    np.testing.assert_array_equal(first_ring_carbon, [2, 4, 3, 2, 1])
    np.testing.assert_array_equal(chlorine, [7, 2, 3, 1, 1])
    assert graph['edges'].shape == (8, 2)
    assert sorted(graph['edge_types'].tolist()) == [1, 1] + [4] * 6
    double = chem.molecule_graph(Chem.MolFromSmiles('C=CC#N'))['edge_types']
    np.testing.assert_array_equal(double, [2, 1, 3])
    unknown_element = chem.molecule_graph(Chem.MolFromSmiles('C[Hg]C'))['node_features'][1, 0]
    assert unknown_element == 1


def test_parse_skips_and_counts_bad_molecules():
    smiles = [
        'CCO',
        'not a molecule',  # unparsable
        'C1CC',  # unclosed ring: unparsable
        'C',  # a single atom: no bonds
        '[Na+].[Cl-]',  # largest fragment is one ion: no bonds
        'OCC',  # the same molecule as CCO: duplicate
        'CC(=O)[O-].[Na+]',  # salt: the acetate is kept
        'C' * (chem.MAX_ATOMS + 1),  # too large
    ]
    kept, skipped = chem.parse_unique(smiles)
    assert [index for index, _ in kept] == [0, 6]
    assert Chem.MolToSmiles(kept[1][1]) == 'CC(=O)[O-]'
    assert skipped == {'unparsable': 2, 'no_bonds': 2, 'duplicate': 1, 'too_large': 1}


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from('abcdefgh'), min_size=1, max_size=60), st.randoms())
def test_scaffold_split_keeps_groups_whole_and_ignores_order(scaffolds, random):
    splits = chem.scaffold_split(scaffolds)
    by_group = {
        key: {s for k, s in zip(scaffolds, splits, strict=True) if k == key} for key in scaffolds
    }
    assert all(len(names) == 1 for names in by_group.values())
    assert splits.count('train') <= 0.8 * len(scaffolds)
    order = list(range(len(scaffolds)))
    random.shuffle(order)
    shuffled = chem.scaffold_split([scaffolds[i] for i in order])
    assert shuffled == [splits[i] for i in order]


def test_tiny_molecules_splits_are_disjoint_by_molecule_and_scaffold(tiny):
    ids = {name: {example['id'] for example in tiny[name]} for name in SPLITS}
    smiles = {name: {example['smiles'] for example in tiny[name]} for name in SPLITS}
    scaffolds = {
        name: {chem.scaffold(Chem.MolFromSmiles(s)) for s in smiles[name]} for name in SPLITS
    }
    for first, second in [('train', 'validation'), ('train', 'test'), ('validation', 'test')]:
        assert not ids[first] & ids[second]
        assert not smiles[first] & smiles[second]
        assert not scaffolds[first] & scaffolds[second]
    total = sum(len(tiny[name]) for name in SPLITS)
    assert len(set().union(*smiles.values())) == total  # deduplicated
    assert 0.7 * total <= len(tiny['train']) <= 0.8 * total


def test_tiny_molecules_targets_match_rdkit_and_graphs_pad(tiny):
    for example in tiny['validation']:
        molecule = Chem.MolFromSmiles(example['smiles'].decode())
        assert example['logp'] == pytest.approx(Crippen.MolLogP(molecule), abs=1e-4)
        assert example['tpsa'] == pytest.approx(rdMolDescriptors.CalcTPSA(molecule), abs=1e-3)
        rings = rdMolDescriptors.CalcNumAromaticRings(molecule)
        assert (
            example['multi_aromatic'] == int(rings >= 2) == int(example['num_aromatic_rings'] >= 2)
        )
        assert example['num_nodes'] == molecule.GetNumAtoms() == len(example['node_features'])
        padded = pad_graph(example, node_budget=chem.MAX_ATOMS)
        assert padded['adjacency'].sum() == 2 * molecule.GetNumBonds()
        assert (example['node_features'] >= 1).all()
        assert (example['node_features'] < np.array(chem.NODE_VOCAB_SIZES)).all()


def test_molecules_build_is_deterministic(tiny_dir, tmp_path):
    build(Molecules, tmp_path, config='tiny')
    records = sorted(tiny_dir.glob('molecules/tiny/*/*.array_record*'))
    assert len(records) == len(SPLITS)
    for record in records:
        assert (tmp_path / record.relative_to(tiny_dir)).read_bytes() == record.read_bytes()


def test_activity_labels_come_from_the_measurements(activity):
    measurements = read_measurements()
    examples = [example for name in SPLITS for example in activity[name]]
    assert len(examples) == len(measurements) == 1017
    for example in examples[::50]:
        smiles, value = measurements[example['id']]
        assert example['smiles'].decode() == Chem.CanonSmiles(smiles)
        assert example['activity'] == pytest.approx(value, abs=1e-5)
    scaffolds = {
        name: {chem.scaffold(Chem.MolFromSmiles(e['smiles'].decode())) for e in activity[name]}
        for name in SPLITS
    }
    assert not scaffolds['train'] & scaffolds['test']
