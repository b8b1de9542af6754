"""WordNet 3.0 gloss -> supersense: 117,659 glosses in 45 classes (Debian `wordnet-base`).

Each synset line of `data.noun|verb|adj|adv` reads `offset lex_filenum ss_type w_cnt word lex_id
... | gloss`; the label is its lexicographer file number (00-44), named as in WordNet's lexnames.
Lines starting with two spaces are the license header. A synset goes to train / validation / test
(80 / 10 / 10) by the md5 of '<pos> <offset>', so the split is fixed and independent of order.
"""

import dataclasses
import pathlib

import numpy as np
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import builders

MODALITY = 'text'

SOURCE_DIR = pathlib.Path('/usr/share/wordnet')
POS_FILES = {'n': 'data.noun', 'v': 'data.verb', 'a': 'data.adj', 'r': 'data.adv'}
SUPERSENSES = (
    'adj.all', 'adj.pert', 'adv.all', 'noun.Tops', 'noun.act', 'noun.animal', 'noun.artifact',
    'noun.attribute', 'noun.body', 'noun.cognition', 'noun.communication', 'noun.event',
    'noun.feeling', 'noun.food', 'noun.group', 'noun.location', 'noun.motive', 'noun.object',
    'noun.person', 'noun.phenomenon', 'noun.plant', 'noun.possession', 'noun.process',
    'noun.quantity', 'noun.relation', 'noun.shape', 'noun.state', 'noun.substance', 'noun.time',
    'verb.body', 'verb.change', 'verb.cognition', 'verb.communication', 'verb.competition',
    'verb.consumption', 'verb.contact', 'verb.creation', 'verb.emotion', 'verb.motion',
    'verb.perception', 'verb.possession', 'verb.social', 'verb.stative', 'verb.weather',
    'adj.ppl',
)  # fmt: skip
SPLIT_PERCENT = {'train': 80, 'validation': 10, 'test': 10}
LICENSE_PREFIX = '  '


@dataclasses.dataclass(frozen=True)
class Gloss:
    """One synset: `pos` is the file's part of speech (n, v, a, r); `label` indexes SUPERSENSES."""

    pos: str
    offset: int
    label: int
    lemmas: tuple[str, ...]
    text: str


def parse_line(pos: str, line: str) -> Gloss:
    """Parses one synset line of the data file for `pos`."""
    fields, _, gloss = line.partition(' | ')
    offset, lex_filenum, _, word_count, *rest = fields.split(' ')
    lemmas = rest[: 2 * int(word_count, 16) : 2]
    return Gloss(pos, int(offset), int(lex_filenum), tuple(lemmas), gloss.strip())


def read_glosses(source_dir: pathlib.Path = SOURCE_DIR) -> list[Gloss]:
    """All synsets in POS_FILES order, then file order."""
    glosses = []
    for pos, name in POS_FILES.items():
        path = source_dir / name
        if not path.exists():
            raise ConfigError(f'{path} is missing; install it with: apt-get install wordnet-base')
        lines = path.read_text(encoding='utf-8').splitlines()
        glosses += [parse_line(pos, line) for line in lines if not line.startswith(LICENSE_PREFIX)]
    return glosses


def split_of(gloss: Gloss) -> str:
    """'train', 'validation' or 'test', from the md5 of '<pos> <offset>' (80 / 10 / 10)."""
    return builders.hashed_split(f'{gloss.pos} {gloss.offset}', SPLIT_PERCENT)


class WordnetSupersense(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """WordNet glosses labelled with their supersense, read from the local Debian package."""

    VERSION = tfds.core.Version('1.0.0')
    RELEASE_NOTES = {'1.0.0': 'WordNet 3.0 glosses, md5 split by (pos, offset), with an `id`.'}
    BUILDER_CONFIGS = [
        builders.SubsetConfig(name='full', description='All 117,659 glosses.'),
        builders.SubsetConfig(
            name='tiny', description='First 100 glosses of each split.', max_per_split=100
        ),
    ]

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description='WordNet 3.0 glosses labelled with their lexicographer file (supersense).',
            features=tfds.features.FeaturesDict(
                {
                    'id': tfds.features.Scalar(dtype=np.int64),
                    'text': tfds.features.Text(),
                    'label': tfds.features.ClassLabel(names=SUPERSENSES),
                    'pos': tfds.features.Text(),
                    'offset': tfds.features.Scalar(dtype=np.int64),
                    'lemmas': tfds.features.Text(),
                }
            ),
            supervised_keys=('text', 'label'),
            disable_shuffling=True,
            homepage='https://wordnet.princeton.edu/',
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # The files are local.
        limit = self.builder_config.max_per_split
        splits = builders.numbered_splits(read_glosses(), split_of, SPLIT_PERCENT, limit)
        return {name: self._generate_examples(pairs) for name, pairs in splits.items()}

    def _generate_examples(self, pairs: list[tuple[int, Gloss]]):
        for index, gloss in pairs:
            yield (
                index,
                {
                    'id': index,
                    'text': gloss.text,
                    'label': gloss.label,
                    'pos': gloss.pos,
                    'offset': gloss.offset,
                    'lemmas': ' '.join(gloss.lemmas),
                },
            )
