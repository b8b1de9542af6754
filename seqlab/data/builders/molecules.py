"""Molecules shipped with RDKit as graphs, with targets RDKit computes: 14,857 molecules.

Sources (in `RDConfig.RDDataDir`): `NCI/first_5K.smi` (4,999 NCI compounds) then
`Pains/test_data/wehi_mols.csv` (10,000 WEHI screening compounds). Parsing, featurisation and the
scaffold split (11,885 / 1,485 / 1,487) are described in `seqlab.data.chem`. Skipped, counted and
logged: SMILES RDKit cannot parse (8), single atoms (0), molecules over 64 heavy atoms (3) and
repeats of a canonical SMILES, keeping the first (131). Each molecule carries:
  logp, tpsa            Crippen logP and topological polar surface area (regression)
  num_aromatic_rings    count of aromatic rings
  multi_aromatic        1 if at least 2 aromatic rings (classification; 56 / 73 / 87% positive in
                        train / validation / test: rare scaffolds are more often polycyclic)
  pains                 1 if a PAINS substructure alert fires (classification, 8% positive)
`id` is the molecule's line in NCI then WEHI. The `tiny` config reads only the first 150 lines of
each source (for tests).
"""

import csv
import dataclasses
import pathlib

import numpy as np
import tensorflow_datasets as tfds
from rdkit import Chem, RDConfig
from rdkit.Chem import Crippen, FilterCatalog, rdMolDescriptors

from seqlab.data import chem

MODALITY = 'graph'

DATA_DIR = pathlib.Path(RDConfig.RDDataDir)
NCI_FILE = DATA_DIR / 'NCI' / 'first_5K.smi'
WEHI_FILE = DATA_DIR / 'Pains' / 'test_data' / 'wehi_mols.csv'


def read_smiles(limit: int | None = None) -> list[str]:
    """SMILES of the NCI file then the WEHI file, at most `limit` lines from each."""
    with NCI_FILE.open() as lines:
        nci = [line.split()[0] for line in lines if line.strip()][:limit]
    with WEHI_FILE.open(newline='') as lines:
        wehi = [row[0] for row in csv.reader(lines) if row][:limit]
    return nci + wehi


def pains_catalog() -> FilterCatalog.FilterCatalog:
    """RDKit's PAINS (A, B and C) substructure filters."""
    params = FilterCatalog.FilterCatalogParams()
    params.AddCatalog(FilterCatalog.FilterCatalogParams.FilterCatalogs.PAINS)
    return FilterCatalog.FilterCatalog(params)


def targets(molecule: Chem.Mol, pains: FilterCatalog.FilterCatalog) -> dict[str, float | int]:
    """The RDKit-computed targets of one molecule (module docstring)."""
    aromatic_rings = rdMolDescriptors.CalcNumAromaticRings(molecule)
    return {
        'logp': Crippen.MolLogP(molecule),
        'tpsa': rdMolDescriptors.CalcTPSA(molecule),
        'num_aromatic_rings': aromatic_rings,
        'multi_aromatic': int(aromatic_rings >= 2),
        'pains': int(pains.HasMatch(molecule)),
    }


@dataclasses.dataclass
class MoleculesConfig(tfds.core.BuilderConfig):
    """`limit`: lines read from each source file (None: all)."""

    limit: int | None = None


class Molecules(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """NCI and WEHI molecules as heavy-atom graphs with RDKit targets, split by scaffold."""

    VERSION = tfds.core.Version('1.0.0')
    RELEASE_NOTES = {'1.0.0': 'NCI + WEHI molecules, RDKit targets, scaffold split 80/10/10.'}
    BUILDER_CONFIGS = [
        MoleculesConfig(name='full', description='All molecules.'),
        MoleculesConfig(name='tiny', description='First 150 lines of each source.', limit=150),
    ]

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description=__doc__,
            features=chem.molecule_features(
                {
                    'logp': tfds.features.Scalar(dtype=np.float32),
                    'tpsa': tfds.features.Scalar(dtype=np.float32),
                    'num_aromatic_rings': tfds.features.Scalar(dtype=np.int32),
                    'multi_aromatic': tfds.features.ClassLabel(names=['below_2', 'at_least_2']),
                    'pains': tfds.features.ClassLabel(names=['clean', 'alert']),
                }
            ),
            homepage='https://www.rdkit.org',
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # The files ship with RDKit.
        kept, _ = chem.parse_unique(read_smiles(self.builder_config.limit))
        splits = chem.scaffold_split([chem.scaffold(molecule) for _, molecule in kept])
        return {
            name: self._generate_examples(
                [pair for pair, split in zip(kept, splits, strict=True) if split == name]
            )
            for name in chem.SPLIT_FRACTIONS
        }

    def _generate_examples(self, kept: list[tuple[int, Chem.Mol]]):
        """Yields the molecules of one split; `id` is the molecule's line in `read_smiles()`."""
        pains = pains_catalog()
        for index, molecule in kept:
            yield index, {**chem.molecule_example(index, molecule), **targets(molecule, pains)}
