"""A table's rows as molecules (graph configs): `keys.smiles` parsed by RDKit into heavy-atom
graphs as the built-in `molecules` dataset does (largest fragment; seqlab/data/chem.py), with
`keys.target` the number to regress, stored under the column's name. Without split files the
split is by Bemis-Murcko scaffold (80 / 10 / 10), like the built-in's, so test scaffolds never
occur in training. A SMILES RDKit cannot read, or a molecule with no bonds or over
`chem.MAX_ATOMS` heavy atoms, is refused naming its row.
"""

import ml_collections
import numpy as np
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import chem, keys
from seqlab.data.files import builder, layout, tables


def plan(
    table: tables.Table, data_config: ml_collections.ConfigDict, *, kind: str, config_name: str
) -> builder.Plan:
    """What the table prepares into as molecules (module docstring)."""
    target = keys.get(data_config)['target']
    values = tables.numbers(table.column('target', data_config), table, 'target', target)
    parsed = []
    for i, smiles in enumerate(table.column('smiles', data_config)):
        molecule, reason = chem.parse(str(smiles))
        if molecule is None or np.isnan(values[i]):
            what = f'SMILES {smiles!r} ({reason})' if molecule is None else f'no {target!r} value'
            raise ConfigError(
                f'config.data.name={table.name!r}: {table.sources[i]} has {what}; allowed: '
                f'molecules RDKit parses, with bonds and at most {chem.MAX_ATOMS} heavy atoms, '
                'each with a number'
            )
        parsed.append(molecule)
    if any(table.given):
        splits = table.splits()
    else:
        names = chem.scaffold_split([chem.scaffold(molecule) for molecule in parsed])
        splits = {s: [i for i, n in enumerate(names) if n == s] for s in chem.SPLIT_FRACTIONS}
        layout.nonempty(splits, table.name)

    def example(i: int) -> dict:
        return {**chem.molecule_example(i, parsed[i]), target: values[i]}

    return builder.Plan(
        kind=kind,
        config_name=config_name,
        description=f'Molecules in the rows of {table.root}.',
        features=chem.molecule_features({target: tfds.features.Scalar(dtype=np.float32)}),
        splits=splits,
        sources=dict(enumerate(table.sources)),
        example=example,
    )
