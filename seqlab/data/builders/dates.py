"""Date normalisation, a seq2seq task: a date written in one of 16 human formats -> ISO 8601.

    'Friday, March 5, 2021' -> '2021-03-05'      'the fifth of March, 2021' -> '2021-03-05'

Example k draws its day (1600-01-01 .. 2199-12-31) and format from sha256('dates <k>'), so every
build gives the same 50,000 distinct (date, format) pairs with no random generator involved. The
split is by the md5 of the target date (80 / 10 / 10): a test date never appears, in any
format, in training. Numeric formats follow fixed conventions: slashes are month/day/year
(US), dots day.month.year.
"""

import dataclasses
import datetime
import hashlib
from collections.abc import Callable

import numpy as np
import tensorflow_datasets as tfds

from seqlab.data import builders

MODALITY = 'text'

NUM_EXAMPLES = 50_000
FIRST_DAY = datetime.date(1600, 1, 1)
LAST_DAY = datetime.date(2199, 12, 31)
SPLIT_PERCENT = {'train': 80, 'validation': 10, 'test': 10}
MONTHS = (
    'January', 'February', 'March', 'April', 'May', 'June',
    'July', 'August', 'September', 'October', 'November', 'December',
)  # fmt: skip
WEEKDAYS = ('Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday')
ORDINAL_WORDS = (
    'first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth',
    'tenth', 'eleventh', 'twelfth', 'thirteenth', 'fourteenth', 'fifteenth', 'sixteenth',
    'seventeenth', 'eighteenth', 'nineteenth', 'twentieth', 'twenty-first', 'twenty-second',
    'twenty-third', 'twenty-fourth', 'twenty-fifth', 'twenty-sixth', 'twenty-seventh',
    'twenty-eighth', 'twenty-ninth', 'thirtieth', 'thirty-first',
)  # fmt: skip


def ordinal(day: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 22 -> '22nd'."""
    suffix = 'th' if 10 <= day % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th')
    return f'{day}{suffix}'


def _month(d: datetime.date) -> str:
    return MONTHS[d.month - 1]


def _mon(d: datetime.date) -> str:
    return _month(d)[:3]


FORMATS: dict[str, Callable[[datetime.date], str]] = {
    'month_day_year': lambda d: f'{_month(d)} {d.day}, {d.year}',
    'day_month_year': lambda d: f'{d.day} {_month(d)} {d.year}',
    'mon_day_year': lambda d: f'{_mon(d)} {d.day}, {d.year}',
    'day_mon_year': lambda d: f'{d.day} {_mon(d)} {d.year}',
    'weekday_month_day_year': lambda d: f'{WEEKDAYS[d.weekday()]}, {_month(d)} {d.day}, {d.year}',
    'wkd_day_mon_year': lambda d: f'{WEEKDAYS[d.weekday()][:3]} {d.day} {_mon(d)} {d.year}',
    'ordinal_of_month': lambda d: f'{ordinal(d.day)} of {_month(d)}, {d.year}',
    'month_ordinal': lambda d: f'{_month(d)} {ordinal(d.day)}, {d.year}',
    'spelled_ordinal': lambda d: f'the {ORDINAL_WORDS[d.day - 1]} of {_month(d)}, {d.year}',
    'us_slashes': lambda d: f'{d.month:02d}/{d.day:02d}/{d.year}',
    'european_dots': lambda d: f'{d.day:02d}.{d.month:02d}.{d.year}',
    'year_slashes': lambda d: f'{d.year}/{d.month:02d}/{d.day:02d}',
    'compact': lambda d: f'{d.year}{d.month:02d}{d.day:02d}',
    'upper_case': lambda d: f'{_month(d).upper()} {d.day}, {d.year}',
    'lower_case': lambda d: f'{_month(d).lower()} {d.day} {d.year}',
    'day_mon_year_dashes': lambda d: f'{d.day}-{_mon(d)}-{d.year}',
}
FORMAT_NAMES = tuple(FORMATS)


@dataclasses.dataclass(frozen=True)
class DatePair:
    """One example: `source` is `date` written in format `FORMAT_NAMES[fmt]`."""

    date: datetime.date
    fmt: int

    @property
    def source(self) -> str:
        return FORMATS[FORMAT_NAMES[self.fmt]](self.date)

    @property
    def target(self) -> str:
        return self.date.isoformat()


def draw_pair(k: int) -> DatePair:
    """The k-th candidate (date, format), from sha256('dates <k>')."""
    digest = int(hashlib.sha256(f'dates {k}'.encode()).hexdigest(), 16)
    num_days = (LAST_DAY - FIRST_DAY).days + 1
    day, fmt = digest % num_days, (digest // num_days) % len(FORMATS)
    return DatePair(FIRST_DAY + datetime.timedelta(days=day), fmt)


def generate_pairs(count: int = NUM_EXAMPLES) -> list[DatePair]:
    """The first `count` distinct candidates, in draw order."""
    pairs, seen, k = [], set(), 0
    while len(pairs) < count:
        pair = draw_pair(k)
        if pair not in seen:
            seen.add(pair)
            pairs.append(pair)
        k += 1
    return pairs


def split_of(pair: DatePair) -> str:
    """'train', 'validation' or 'test', from the md5 of the ISO date (80 / 10 / 10)."""
    return builders.hashed_split(pair.target, SPLIT_PERCENT)


class Dates(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """Human-written dates paired with their ISO 8601 form, generated deterministically."""

    VERSION = tfds.core.Version('1.0.0')
    RELEASE_NOTES = {'1.0.0': '50,000 pairs, 16 formats, split by md5 of the date.'}
    BUILDER_CONFIGS = [
        builders.SubsetConfig(name='full', description=f'All {NUM_EXAMPLES:,} pairs.'),
        builders.SubsetConfig(
            name='tiny', description='First 100 pairs per split.', max_per_split=100
        ),
    ]

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description='Dates in many human formats (source) and in ISO 8601 (target).',
            features=tfds.features.FeaturesDict(
                {
                    'id': tfds.features.Scalar(dtype=np.int64),
                    'source': tfds.features.Text(),
                    'target': tfds.features.Text(),
                    'format': tfds.features.ClassLabel(names=FORMAT_NAMES),
                }
            ),
            supervised_keys=('source', 'target'),
            disable_shuffling=True,
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # Generated, nothing to download.
        limit = self.builder_config.max_per_split
        splits = builders.numbered_splits(generate_pairs(), split_of, SPLIT_PERCENT, limit)
        return {name: self._generate_examples(pairs) for name, pairs in splits.items()}

    def _generate_examples(self, pairs: list[tuple[int, DatePair]]):
        for index, pair in pairs:
            yield (
                index,
                {
                    'id': index,
                    'source': pair.source,
                    'target': pair.target,
                    'format': pair.fmt,
                },
            )
