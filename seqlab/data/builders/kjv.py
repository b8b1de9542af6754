"""King James Bible, one verse per example: 31,102 verses (Debian `bible-kjv` + `bible-kjv-text`).

The text comes from `bible -f -l0 gen1:1-rev22:21`, one `<Book><chapter>:<verse> <text>` line per
verse. The split is chronological by book, so held-out text is unseen: Genesis-Acts train,
Romans-Philemon validation, Hebrews-Revelation test. Examples keep canonical order (`id`).
"""

import dataclasses
import re
import shutil
import subprocess

import numpy as np
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import builders

MODALITY = 'text'

BIBLE_COMMAND = ('bible', '-f', '-l0', 'gen1:1-rev22:21')
# (abbreviation printed by `bible`, book name), in canonical order.
BOOKS = (
    ('Ge', 'Genesis'), ('Exo', 'Exodus'), ('Lev', 'Leviticus'), ('Num', 'Numbers'),
    ('Deu', 'Deuteronomy'), ('Josh', 'Joshua'), ('Jdgs', 'Judges'), ('Ruth', 'Ruth'),
    ('1Sm', '1 Samuel'), ('2Sm', '2 Samuel'), ('1Ki', '1 Kings'), ('2Ki', '2 Kings'),
    ('1Chr', '1 Chronicles'), ('2Chr', '2 Chronicles'), ('Ezra', 'Ezra'), ('Neh', 'Nehemiah'),
    ('Est', 'Esther'), ('Job', 'Job'), ('Psa', 'Psalms'), ('Prv', 'Proverbs'),
    ('Eccl', 'Ecclesiastes'), ('SSol', 'Song of Solomon'), ('Isa', 'Isaiah'),
    ('Jer', 'Jeremiah'), ('Lam', 'Lamentations'), ('Eze', 'Ezekiel'), ('Dan', 'Daniel'),
    ('Hos', 'Hosea'), ('Joel', 'Joel'), ('Amos', 'Amos'), ('Obad', 'Obadiah'),
    ('Jonah', 'Jonah'), ('Mic', 'Micah'), ('Nahum', 'Nahum'), ('Hab', 'Habakkuk'),
    ('Zep', 'Zephaniah'), ('Hag', 'Haggai'), ('Zec', 'Zechariah'), ('Mal', 'Malachi'),
    ('Mat', 'Matthew'), ('Mark', 'Mark'), ('Luke', 'Luke'), ('John', 'John'), ('Acts', 'Acts'),
    ('Rom', 'Romans'), ('1Cor', '1 Corinthians'), ('2Cor', '2 Corinthians'),
    ('Gal', 'Galatians'), ('Eph', 'Ephesians'), ('Phi', 'Philippians'), ('Col', 'Colossians'),
    ('1Th', '1 Thessalonians'), ('2Th', '2 Thessalonians'), ('1Tim', '1 Timothy'),
    ('2Tim', '2 Timothy'), ('Titus', 'Titus'), ('Phmn', 'Philemon'), ('Heb', 'Hebrews'),
    ('Jas', 'James'), ('1Pet', '1 Peter'), ('2Pet', '2 Peter'), ('1Jn', '1 John'),
    ('2Jn', '2 John'), ('3Jn', '3 John'), ('Jude', 'Jude'), ('Rev', 'Revelation'),
)  # fmt: skip
BOOK_NAMES = tuple(name for _, name in BOOKS)
# Splits in canonical order, each from its first book up to the next split's.
FIRST_BOOK_OF_SPLIT = {'train': 'Genesis', 'validation': 'Romans', 'test': 'Hebrews'}
_LINE = re.compile(r'(\d?[A-Za-z]+)(\d+):(\d+) (.*)')


@dataclasses.dataclass(frozen=True)
class Verse:
    """One verse; `book` indexes BOOKS."""

    book: int
    chapter: int
    verse: int
    text: str

    @property
    def reference(self) -> str:
        return f'{BOOK_NAMES[self.book]} {self.chapter}:{self.verse}'


def parse_verses(lines: list[str]) -> list[Verse]:
    """Parses `bible -f` output lines; books must appear in canonical order."""
    abbreviations = [abbreviation for abbreviation, _ in BOOKS]
    verses, book = [], 0
    for line in lines:
        match = _LINE.fullmatch(line.rstrip())
        if match is None:
            raise ValueError(f'unexpected bible line {line[:60]!r}; allowed: "<Book><ch>:<v> text"')
        while book < len(BOOKS) and abbreviations[book] != match[1]:
            book += 1
        if book == len(BOOKS):
            raise ValueError(f'book {match[1]!r} out of canonical order; allowed: {abbreviations}')
        verses.append(Verse(book, int(match[2]), int(match[3]), match[4]))
    return verses


def read_verses() -> list[Verse]:
    """All verses in canonical order, from the `bible` program."""
    if shutil.which(BIBLE_COMMAND[0]) is None:
        raise ConfigError('`bible` is missing; install: apt-get install bible-kjv')
    output = subprocess.run(BIBLE_COMMAND, capture_output=True, check=True, text=True).stdout
    return parse_verses(output.splitlines())


def split_of(verse: Verse) -> str:
    """'train', 'validation' or 'test': the last split starting at or before the verse's book."""
    split = 'train'
    for name, first_book in FIRST_BOOK_OF_SPLIT.items():
        if verse.book >= BOOK_NAMES.index(first_book):
            split = name
    return split


class Kjv(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """King James Bible verses with references, split by book chronologically."""

    VERSION = tfds.core.Version('1.0.0')
    RELEASE_NOTES = {'1.0.0': 'Debian bible-kjv-text 4.38; split Gen-Acts / Rom-Phm / Heb-Rev.'}
    BUILDER_CONFIGS = [
        builders.SubsetConfig(name='full', description='All 31,102 verses.'),
        builders.SubsetConfig(
            name='tiny', description='First 100 verses per split.', max_per_split=100
        ),
    ]

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description='The King James Bible (public domain), one verse per example.',
            features=tfds.features.FeaturesDict(
                {
                    'id': tfds.features.Scalar(dtype=np.int64),
                    'text': tfds.features.Text(),
                    'reference': tfds.features.Text(),
                    'book': tfds.features.ClassLabel(names=BOOK_NAMES),
                    'chapter': tfds.features.Scalar(dtype=np.int32),
                    'verse': tfds.features.Scalar(dtype=np.int32),
                }
            ),
            disable_shuffling=True,
            homepage='https://packages.debian.org/bible-kjv-text',
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # The text is local.
        limit = self.builder_config.max_per_split
        splits = builders.numbered_splits(read_verses(), split_of, FIRST_BOOK_OF_SPLIT, limit)
        return {name: self._generate_examples(pairs) for name, pairs in splits.items()}

    def _generate_examples(self, pairs: list[tuple[int, Verse]]):
        for index, verse in pairs:
            yield (
                index,
                {
                    'id': index,
                    'text': verse.text,
                    'reference': verse.reference,
                    'book': verse.book,
                    'chapter': verse.chapter,
                    'verse': verse.verse,
                },
            )
