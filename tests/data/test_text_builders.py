"""Text builders: counts, labels, split disjointness, determinism, and real (tiny) builds."""

import datetime
import os
import pathlib
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqlab.data.builders import dates, kjv, listops, wordnet_supersense

pytestmark = pytest.mark.filterwarnings('ignore')


@pytest.fixture(scope='module')
def glosses():
    return wordnet_supersense.read_glosses()


@pytest.fixture(scope='module')
def verses():
    return kjv.read_verses()


@pytest.fixture(scope='module')
def pairs():
    return dates.generate_pairs()


REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILDERS = {
    'wordnet_supersense': (wordnet_supersense, wordnet_supersense.WordnetSupersense),
    'kjv': (kjv, kjv.Kjv),
    'dates': (dates, dates.Dates),
    'listops': (listops, listops.Listops),
}
SPLIT_OF_EXAMPLE = {
    'wordnet_supersense': lambda e: wordnet_supersense.split_of(
        wordnet_supersense.Gloss(e['pos'].decode(), e['offset'], e['label'], (), '')
    ),
    'kjv': lambda e: kjv.split_of(kjv.Verse(e['book'], e['chapter'], e['verse'], '')),
    'dates': lambda e: dates.split_of(
        dates.DatePair(datetime.date.fromisoformat(e['target'].decode()), e['format'])
    ),
    'listops': lambda e: listops.split_of(e['text'].decode()),
}
BUILD_TINY = """
import importlib, sys
module = importlib.import_module('seqlab.data.builders.' + sys.argv[1])
builder = getattr(module, sys.argv[2])(data_dir=sys.argv[3], config='tiny', file_format='array_record')
builder.download_and_prepare()
"""


def build_tiny(name: str, data_dir: pathlib.Path, hash_seed: str | None = None):
    """Prepares `name`/tiny in `data_dir`, in this process or, given `hash_seed`, in another
    Python process with that string-hash seed. Returns the (prepared) builder."""
    _, builder_class = BUILDERS[name]
    if hash_seed is not None:
        path = os.pathsep.join([str(REPO_ROOT), os.environ.get('PYTHONPATH', '')])
        env = {**os.environ, 'PYTHONHASHSEED': hash_seed, 'PYTHONPATH': path}
        command = [sys.executable, '-c', BUILD_TINY, name, builder_class.__name__, str(data_dir)]
        subprocess.run(command, env=env, check=True, capture_output=True)
    builder = builder_class(data_dir=data_dir, config='tiny', file_format='array_record')
    builder.download_and_prepare()
    return builder


def read_all(builder) -> dict[str, list[dict]]:
    sources = builder.as_data_source()
    return {split: source.__getitems__(range(len(source))) for split, source in sources.items()}


@pytest.mark.parametrize('name', BUILDERS)
def test_tiny_build_is_deterministic_array_record_with_unique_ids(name, tmp_path):
    """Two builds, the second in another process with another string-hash seed, hold the same
    examples in the same order. (Their bytes differ: TFDS serialises each tf.Example's feature
    map in a per-process order; see the report on deterministic serialisation.)"""
    module, _ = BUILDERS[name]
    first = build_tiny(name, tmp_path / 'here')
    second = build_tiny(name, tmp_path / 'there', hash_seed='12345')
    assert module.MODALITY == 'text'
    assert first.name == module.__name__.rsplit('.', 1)[1] == name
    examples = read_all(first)
    assert examples == read_all(second)
    assert sorted(pathlib.Path(first.data_dir).glob('*.array_record-*'))
    assert set(examples) == {'train', 'validation', 'test'}
    for split, split_examples in examples.items():
        assert len(split_examples) == first.info.splits[split].num_examples == 100
        split_ids = [e['id'] for e in split_examples]
        assert split_ids == sorted(split_ids)
        assert {SPLIT_OF_EXAMPLE[name](e) for e in split_examples} == {split}
    assert len({e['id'] for split_examples in examples.values() for e in split_examples}) == 300


# WordNet supersenses.


def test_wordnet_counts_per_part_of_speech(glosses):
    counts = {pos: sum(g.pos == pos for g in glosses) for pos in 'nvar'}
    assert counts == {'n': 82115, 'v': 13767, 'a': 18156, 'r': 3621}
    assert len({(g.pos, g.offset) for g in glosses}) == len(glosses) == 117_659
    assert all(g.text and '|' not in g.text and g.text == g.text.strip() for g in glosses)


def test_wordnet_labels_cover_45_supersenses_matching_part_of_speech(glosses):
    assert len(wordnet_supersense.SUPERSENSES) == 45
    assert {g.label for g in glosses} == set(range(45))
    prefix = {'n': ('noun',), 'v': ('verb',), 'a': ('adj',), 'r': ('adv',)}
    for gloss in glosses:
        assert wordnet_supersense.SUPERSENSES[gloss.label].startswith(prefix[gloss.pos])


def test_wordnet_parse_line_reads_lemmas_label_and_gloss():
    line = '00001837 02 r 03 AD 0 A.D. 0 anno_Domini 0 000 | in the Christian era; "in AD 200"  '
    gloss = wordnet_supersense.parse_line('r', line)
    assert gloss == wordnet_supersense.Gloss(
        'r', 1837, 2, ('AD', 'A.D.', 'anno_Domini'), 'in the Christian era; "in AD 200"'
    )
    hex_count = '00002 03 n 0a ' + ' '.join(f'w{i} 0' for i in range(10)) + ' 000 | g'
    assert len(wordnet_supersense.parse_line('n', hex_count).lemmas) == 10


def test_wordnet_split_is_80_10_10_by_synset(glosses):
    splits = [wordnet_supersense.split_of(g) for g in glosses]
    for name, percent in wordnet_supersense.SPLIT_PERCENT.items():
        assert abs(splits.count(name) / len(glosses) - percent / 100) < 0.01
    moved = wordnet_supersense.Gloss('n', glosses[0].offset, 5, ('x',), 'another gloss')
    assert wordnet_supersense.split_of(moved) == splits[0]


# King James Bible.


def test_kjv_has_all_verses_in_canonical_order(verses):
    assert len(verses) == 31_102
    assert [v.book for v in verses] == sorted(v.book for v in verses)
    assert len({v.book for v in verses}) == 66
    assert verses[0].reference == 'Genesis 1:1'
    assert verses[0].text == 'In the beginning God created the heaven and the earth.'
    assert verses[-1].reference == 'Revelation 22:21'
    assert len({v.reference for v in verses}) == len(verses)


def test_kjv_test_split_is_the_last_books(verses):
    splits = [kjv.split_of(v) for v in verses]
    assert splits == sorted(splits, key=['train', 'validation', 'test'].index)
    books = {name: set() for name in ('train', 'validation', 'test')}
    for verse, split in zip(verses, splits, strict=True):
        books[split].add(kjv.BOOK_NAMES[verse.book])
    assert books['test'] == set(kjv.BOOK_NAMES[-9:])
    assert books['validation'] == set(kjv.BOOK_NAMES[44:57])
    assert books['train'] == set(kjv.BOOK_NAMES[:44])
    assert (splits.count('validation'), splits.count('test')) == (2033, 1138)


def test_kjv_parse_rejects_malformed_and_out_of_order_lines():
    assert kjv.parse_verses(['Ge1:1 In the beginning.', 'Exo2:3 And.'])[1].reference == (
        'Exodus 2:3'
    )
    with pytest.raises(ValueError, match='unexpected bible line'):
        kjv.parse_verses(['Genesis one'])
    with pytest.raises(ValueError, match="book 'Ge' out of canonical order"):
        kjv.parse_verses(['Exo1:1 a', 'Ge1:1 b'])


# Dates.


def test_dates_are_distinct_in_range_and_use_every_format(pairs):
    assert len(pairs) == len(set(pairs)) == dates.NUM_EXAMPLES
    assert all(dates.FIRST_DAY <= p.date <= dates.LAST_DAY for p in pairs)
    assert {p.fmt for p in pairs} == set(range(len(dates.FORMATS)))
    assert pairs == dates.generate_pairs()


def test_dates_source_determines_target(pairs):
    target_of = {}
    for pair in pairs:
        assert target_of.setdefault(pair.source, pair.target) == pair.target


def test_dates_test_dates_are_unseen_in_training(pairs):
    targets = {name: set() for name in dates.SPLIT_PERCENT}
    for pair in pairs:
        targets[dates.split_of(pair)].add(pair.target)
    assert not targets['train'] & targets['test']
    assert not targets['train'] & targets['validation']
    assert not targets['validation'] & targets['test']
    for name, percent in dates.SPLIT_PERCENT.items():
        share = sum(dates.split_of(p) == name for p in pairs) / len(pairs)
        assert abs(share - percent / 100) < 0.01


STRPTIME_PATTERNS = {
    'month_day_year': '%B %d, %Y',
    'day_month_year': '%d %B %Y',
    'mon_day_year': '%b %d, %Y',
    'day_mon_year': '%d %b %Y',
    'weekday_month_day_year': '%A, %B %d, %Y',
    'wkd_day_mon_year': '%a %d %b %Y',
    'us_slashes': '%m/%d/%Y',
    'european_dots': '%d.%m.%Y',
    'year_slashes': '%Y/%m/%d',
    'compact': '%Y%m%d',
    'upper_case': '%B %d, %Y',
    'lower_case': '%B %d %Y',
    'day_mon_year_dashes': '%d-%b-%Y',
}


@settings(max_examples=100, deadline=None)
@given(day=st.dates(dates.FIRST_DAY, dates.LAST_DAY))
def test_date_formats_write_the_right_date(day):
    for name, pattern in STRPTIME_PATTERNS.items():
        source = dates.FORMATS[name](day)
        assert datetime.datetime.strptime(source, pattern).date() == day, (name, source)
    assert dates.FORMATS['weekday_month_day_year'](day).startswith(day.strftime('%A, '))
    ordinal = f'{dates.ordinal(day.day)} of {day.strftime("%B")}, {day.year}'
    assert dates.FORMATS['ordinal_of_month'](day) == ordinal
    spelled = dates.FORMATS['spelled_ordinal'](day)
    assert spelled.endswith(f' of {day.strftime("%B")}, {day.year}')


def test_ordinals():
    expected = {1: '1st', 2: '2nd', 3: '3rd', 4: '4th', 11: '11th', 12: '12th', 13: '13th'}
    expected |= {21: '21st', 22: '22nd', 23: '23rd', 30: '30th', 31: '31st'}
    assert {day: dates.ordinal(day) for day in expected} == expected
    assert dates.ORDINAL_WORDS[0] == 'first' and dates.ORDINAL_WORDS[30] == 'thirty-first'
    assert len(dates.ORDINAL_WORDS) == 31
