"""Tokenizers: round trips over arbitrary Unicode, special ids, save/load, bad input."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqlab.data import tokenizers
from seqlab.data.tokenizers import (
    BOS_ID,
    EOS_ID,
    MASK_ID,
    NUM_SPECIAL,
    PAD_ID,
    UNK_ID,
    UNK_TEXT,
    load_tokenizer,
    make_tokenizer,
)

TRAIN_TEXTS = [
    'In the beginning God created the heaven and the earth.',
    'And the earth was without form, and void; and darkness was upon the face of the deep.',
    'And God said, Let there be light: and there was light.',
] * 20
TRICKY = [
    '',
    ' ',
    'héllo wörld',
    '😀👍🏽 family 👨\u200d👩\u200d👧',
    '中文字符',
    'e\u0301 a\u0308',
    '<pad> <unk>',
    '\x00\r\n\t',
]
HARD_TEXT = st.text(alphabet=st.characters(codec='utf-8'), max_size=40)


@pytest.fixture(scope='module')
def trained():
    return {
        'byte': make_tokenizer('byte'),
        'char': make_tokenizer('char', TRAIN_TEXTS),
        'word': make_tokenizer('word', TRAIN_TEXTS),
        'bpe': make_tokenizer('bpe', TRAIN_TEXTS, vocab_size=300),
    }


def test_kinds_and_losslessness_are_declared(trained):
    assert set(trained) == set(tokenizers.KINDS)
    assert {k for k, t in trained.items() if t.lossless} == {'byte', 'bpe'}


@settings(max_examples=60, deadline=None)
@given(text=HARD_TEXT)
def test_lossless_tokenizers_round_trip_any_unicode(trained, text):
    for kind in ('byte', 'bpe'):
        ids = trained[kind].encode(text)
        assert all(NUM_SPECIAL <= i < trained[kind].vocab_size for i in ids)
        assert trained[kind].decode(ids) == text


@pytest.mark.parametrize('text', TRICKY)
@pytest.mark.parametrize('kind', ['byte', 'bpe'])
def test_lossless_tokenizers_round_trip_tricky_text(trained, kind, text):
    assert trained[kind].decode(trained[kind].encode(text)) == text


def test_bpe_learns_merges_so_training_text_gets_shorter(trained):
    text = TRAIN_TEXTS[0]
    assert len(trained['bpe'].encode(text)) < len(text.encode('utf-8')) / 2
    assert trained['bpe'].vocab_size == 300


def test_char_tokenizer_maps_unseen_characters_to_unk(trained):
    char = trained['char']
    assert char.decode(char.encode('God said')) == 'God said'
    ids = char.encode('God 😀')
    assert ids[-1] == UNK_ID
    assert char.decode(ids) == 'God ' + UNK_TEXT
    assert char.vocab_size == NUM_SPECIAL + len(set(''.join(TRAIN_TEXTS)))


def test_word_tokenizer_splits_words_and_punctuation(trained):
    word = trained['word']
    assert word.decode(word.encode('God said,  Let there be light!')) == (
        f'God said , Let there be light {UNK_TEXT}'
    )
    assert len(word.encode('the earth')) == 2


def test_word_vocabulary_keeps_most_frequent_above_min_count():
    word = make_tokenizer('word', ['b a a c c c', 'c d'], max_size=2)
    assert word.pieces == ['c', 'a']
    assert make_tokenizer('word', ['b a a c c c'], min_count=2).pieces == ['c', 'a']
    lower = make_tokenizer('word', ['The the THE'], lowercase=True)
    assert lower.pieces == ['the'] and lower.encode('tHe') == [NUM_SPECIAL]


def test_special_ids_are_shared_and_decode_skips_them(trained):
    assert (PAD_ID, BOS_ID, EOS_ID, UNK_ID, MASK_ID) == tuple(range(5))
    for tokenizer in trained.values():
        assert (tokenizer.pad_id, tokenizer.bos_id, tokenizer.eos_id) == (PAD_ID, BOS_ID, EOS_ID)
        assert (tokenizer.unk_id, tokenizer.mask_id) == (UNK_ID, MASK_ID)
        ids = tokenizer.encode('the earth')
        wrapped = [BOS_ID, *ids[:1], MASK_ID, *ids[1:], EOS_ID, PAD_ID, PAD_ID]
        assert tokenizer.decode(wrapped) == tokenizer.decode(ids)
        assert tokenizer.decode([UNK_ID]) == UNK_TEXT


def test_decode_rejects_out_of_range_ids(trained):
    for tokenizer in trained.values():
        with pytest.raises(ValueError, match='out of range'):
            tokenizer.decode([tokenizer.vocab_size])
        with pytest.raises(ValueError, match='out of range'):
            tokenizer.decode([-1])


@settings(max_examples=20, deadline=None)
@given(text=HARD_TEXT)
def test_save_load_gives_identical_encodings(trained, tmp_path_factory, text):
    directory = tmp_path_factory.mktemp('tok')
    for kind, tokenizer in trained.items():
        path = directory / f'{kind}.json'
        tokenizer.save(path)
        loaded = load_tokenizer(path)
        assert type(loaded) is type(tokenizer)
        assert loaded.vocab_size == tokenizer.vocab_size
        assert loaded.encode(text) == tokenizer.encode(text)
        assert loaded.decode(tokenizer.encode(text)) == tokenizer.decode(tokenizer.encode(text))


def test_bpe_training_is_deterministic():
    first = make_tokenizer('bpe', TRAIN_TEXTS, vocab_size=300)
    second = make_tokenizer('bpe', TRAIN_TEXTS, vocab_size=300)
    assert first.state() == second.state()


def test_bad_input_raises_one_line_value_errors(tmp_path):
    with pytest.raises(ValueError, match=r"'sentencepiece'.*allowed: \['bpe', 'byte'"):
        make_tokenizer('sentencepiece', TRAIN_TEXTS)
    for kind in ('char', 'word', 'bpe'):
        with pytest.raises(ValueError, match='non-empty training text'):
            make_tokenizer(kind, [])
        with pytest.raises(ValueError, match='non-empty training text'):
            make_tokenizer(kind, ['', ''])
    with pytest.raises(ValueError, match='vocab_size 100 too small'):
        make_tokenizer('bpe', TRAIN_TEXTS, vocab_size=100)
    path = tmp_path / 'bad.json'
    path.write_text(json.dumps({'kind': 'morse'}))
    with pytest.raises(ValueError, match="unknown tokenizer kind 'morse'"):
        load_tokenizer(path)
