"""Molecules as graphs: RDKit parsing, categorical atom and bond ids, scaffold splits.

Graphs hold heavy atoms only; hydrogens become an atom feature. Every categorical id reserves 0 for
padding, so a padded node is all zeros. Atom features, in column order (vocabulary sizes in
NODE_VOCAB_SIZES):
  element         1 other, 2.. ELEMENTS in order
  degree          1 + min(heavy-atom neighbours, 5)
  formal charge   3 + clip(charge, -2, 2)
  aromatic        1 no, 2 yes
  hydrogens       1 + min(attached hydrogens, 4)
Bond types: 1 single, 2 double, 3 triple, 4 aromatic, 5 other (dative and rarer kinds).
"""

import collections
from collections import Counter
from collections.abc import Sequence

import numpy as np
import tensorflow_datasets as tfds
from absl import logging
from rdkit import Chem, RDLogger
from rdkit.Chem.MolStandardize import rdMolStandardize
from rdkit.Chem.Scaffolds import MurckoScaffold

ELEMENTS = ('C', 'N', 'O', 'S', 'F', 'Cl', 'Br', 'I', 'P', 'B', 'Si', 'Se')
NODE_VOCAB_SIZES = (len(ELEMENTS) + 2, 7, 6, 3, 6)
BOND_TYPES = {
    Chem.BondType.SINGLE: 1,
    Chem.BondType.DOUBLE: 2,
    Chem.BondType.TRIPLE: 3,
    Chem.BondType.AROMATIC: 4,
}
OTHER_BOND = 5
EDGE_VOCAB_SIZE = 6
MAX_ATOMS = 64
SPLIT_FRACTIONS = {'train': 0.8, 'validation': 0.1, 'test': 0.1}


def atom_features(atom: Chem.Atom) -> list[int]:
    """The five categorical ids of one atom (module docstring)."""
    symbol = atom.GetSymbol()
    return [
        ELEMENTS.index(symbol) + 2 if symbol in ELEMENTS else 1,
        1 + min(atom.GetDegree(), 5),
        3 + int(np.clip(atom.GetFormalCharge(), -2, 2)),
        1 + int(atom.GetIsAromatic()),
        1 + min(atom.GetTotalNumHs(), 4),
    ]


def molecule_graph(molecule: Chem.Mol) -> dict[str, np.ndarray]:
    """node_features [atoms, 5] int32, edges [bonds, 2] int32 and edge_types [bonds] int32."""
    bonds = molecule.GetBonds()
    return {
        'node_features': np.array([atom_features(a) for a in molecule.GetAtoms()], np.int32),
        'edges': np.array(
            [(b.GetBeginAtomIdx(), b.GetEndAtomIdx()) for b in bonds], np.int32
        ).reshape(-1, 2),
        'edge_types': np.array(
            [BOND_TYPES.get(b.GetBondType(), OTHER_BOND) for b in bonds], np.int32
        ),
    }


def molecule_features(
    targets: dict[str, tfds.features.FeatureConnector],
) -> tfds.features.FeaturesDict:
    """The stored features of a molecule dataset: `id`, `smiles`, `num_nodes`, the graph of
    `molecule_graph` (`node_features` [nodes, 5], `edges` [edges, 2], `edge_types` [edges]) and
    the dataset's `targets`."""
    return tfds.features.FeaturesDict(
        {
            'id': tfds.features.Scalar(dtype=np.int64),
            'smiles': tfds.features.Text(),
            'num_nodes': tfds.features.Scalar(dtype=np.int32),
            'node_features': tfds.features.Tensor(
                shape=(None, len(NODE_VOCAB_SIZES)), dtype=np.int32
            ),
            'edges': tfds.features.Tensor(shape=(None, 2), dtype=np.int32),
            'edge_types': tfds.features.Tensor(shape=(None,), dtype=np.int32),
            **targets,
        }
    )


def molecule_example(index: int, molecule: Chem.Mol) -> dict:
    """The stored example of `molecule_features` but its targets: `id` `index`, the canonical
    SMILES, the node count and the graph."""
    graph = molecule_graph(molecule)
    return {
        'id': index,
        'smiles': Chem.MolToSmiles(molecule),
        'num_nodes': len(graph['node_features']),
        **graph,
    }


def parse(smiles: str) -> tuple[Chem.Mol | None, str]:
    """Parses SMILES and keeps its largest fragment (salts and solvents dropped).

    Returns (molecule, '') or (None, reason) with reason 'unparsable', 'no_bonds' (a single atom or
    ion, where a graph has nothing to learn) or 'too_large' (more than MAX_ATOMS heavy atoms).
    """
    RDLogger.DisableLog('rdApp.*')
    molecule = Chem.MolFromSmiles(smiles)
    if molecule is None or molecule.GetNumAtoms() == 0:
        return None, 'unparsable'
    molecule = rdMolStandardize.LargestFragmentChooser().choose(molecule)
    if molecule.GetNumBonds() == 0:
        return None, 'no_bonds'
    if molecule.GetNumAtoms() > MAX_ATOMS:
        return None, 'too_large'
    return molecule, ''


def parse_unique(smiles_list: Sequence[str]) -> tuple[list[tuple[int, Chem.Mol]], Counter]:
    """Parses every SMILES, skipping failures and repeats of a canonical SMILES (first one kept).

    Returns (input index, molecule) pairs in input order and the skip counts by reason (logged).
    """
    kept, skipped, seen = [], collections.Counter(), set()
    for index, smiles in enumerate(smiles_list):
        molecule, reason = parse(smiles)
        if molecule is not None:
            canonical = Chem.MolToSmiles(molecule)
            reason = 'duplicate' if canonical in seen else ''
            seen.add(canonical)
        if reason:
            skipped[reason] += 1
        else:
            kept.append((index, molecule))
    logging.info('kept %d of %d molecules; skipped %s', len(kept), len(smiles_list), dict(skipped))
    return kept, skipped


def scaffold(molecule: Chem.Mol) -> str:
    """Bemis-Murcko scaffold SMILES (ring systems and their linkers); '' for acyclic molecules."""
    return MurckoScaffold.MurckoScaffoldSmiles(mol=molecule)


def scaffold_split(scaffolds: Sequence[str]) -> list[str]:
    """Assigns whole scaffold groups to splits, so test scaffolds never occur in training.

    Groups go in decreasing size (ties by scaffold SMILES) to train while it stays within 80% of
    the molecules, else to validation within 10%, else to test; big groups thus land in train.
    Returns one split name per molecule.
    """
    groups = collections.defaultdict(list)
    for index, key in enumerate(scaffolds):
        groups[key].append(index)
    capacity = {name: fraction * len(scaffolds) for name, fraction in SPLIT_FRACTIONS.items()}
    filled = collections.Counter()
    assignment = [''] * len(scaffolds)
    for key in sorted(groups, key=lambda key: (-len(groups[key]), key)):
        members = groups[key]
        room = [
            name
            for name in ('train', 'validation')
            if filled[name] + len(members) <= capacity[name]
        ]
        name = room[0] if room else 'test'
        filled[name] += len(members)
        for index in members:
            assignment[index] = name
    return assignment
