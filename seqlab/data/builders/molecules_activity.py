"""Measured activity of 1,017 molecules (ChEMBL document CHEMBL2321810), shipped with RDKit.

Sources (in `RDConfig.RDContribDir`, FreeWilson example): `FreeWilson/data/CHEMBL2321810.smi`
(`SMILES name` lines) and `CHEMBL2321810_act.csv` (`Name,Act`; activity on a log scale,
4.27 to 9.22). A small regression task with real labels: one congeneric series, so the scaffold
split (`seqlab.data.chem`) tests generalisation to unseen ring systems. Featurisation and skip
rules are those of `molecules`; on this data nothing is skipped.
"""

import csv
import pathlib

import numpy as np
import tensorflow_datasets as tfds
from rdkit import Chem, RDConfig

from seqlab.data import chem

MODALITY = 'graph'

DATA_DIR = pathlib.Path(RDConfig.RDContribDir) / 'FreeWilson' / 'data'
SMILES_FILE = DATA_DIR / 'CHEMBL2321810.smi'
ACTIVITY_FILE = DATA_DIR / 'CHEMBL2321810_act.csv'


def read_measurements() -> list[tuple[str, float]]:
    """(SMILES, activity) pairs in the order of the SMILES file."""
    with ACTIVITY_FILE.open(newline='') as lines:
        activity = {row['Name']: float(row['Act']) for row in csv.DictReader(lines)}
    with SMILES_FILE.open() as lines:
        entries = [line.split() for line in lines if line.strip()]
    missing = [name for _, name in entries if name not in activity]
    if missing:
        raise ValueError(
            f'{ACTIVITY_FILE} has no activity for {len(missing)} names, e.g. {missing[0]}'
        )
    return [(smiles, activity[name]) for smiles, name in entries]


class MoleculesActivity(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """CHEMBL2321810 molecules as graphs with their measured activity, split by scaffold."""

    VERSION = tfds.core.Version('1.0.0')
    RELEASE_NOTES = {'1.0.0': 'RDKit Contrib FreeWilson data, scaffold split 80/10/10.'}

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description=__doc__,
            features=chem.molecule_features({'activity': tfds.features.Scalar(dtype=np.float32)}),
            homepage='https://www.ebi.ac.uk/chembl/document_report_card/CHEMBL2321810',
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # The files ship with RDKit.
        measurements = read_measurements()
        kept, _ = chem.parse_unique([smiles for smiles, _ in measurements])
        splits = chem.scaffold_split([chem.scaffold(molecule) for _, molecule in kept])
        return {
            name: self._generate_examples(
                [
                    (index, molecule, measurements[index][1])
                    for (index, molecule), split in zip(kept, splits, strict=True)
                    if split == name
                ]
            )
            for name in chem.SPLIT_FRACTIONS
        }

    def _generate_examples(self, measured: list[tuple[int, Chem.Mol, float]]):
        """Yields one split's molecules; `id` is the molecule's line in the SMILES file."""
        for index, molecule, activity in measured:
            yield index, {**chem.molecule_example(index, molecule), 'activity': activity}
