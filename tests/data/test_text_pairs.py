"""Seq2seq pairs: bos/eos framing with masks, texts that do not fit or have no tokens are one-line
errors, and `dates` batches decode back to their source and ISO target."""

import datetime

import numpy as np
import pytest

from seqlab import config_defaults, data
from seqlab.data import text_pairs
from seqlab.data.builders import dates
from seqlab.data.tokenizers import (
    BOS_ID,
    EOS_ID,
    PAD_ID,
    TOKENIZER_ASSET,
    ByteTokenizer,
    load_tokenizer,
)

BYTES = ByteTokenizer()


def test_pairs_are_framed_and_masked():
    arrays = text_pairs.encode_pairs([('ab', 'xyz'), ('c', 'w')], BYTES, 3, 5, 'train')
    ids = {ch: BYTES.encode(ch)[0] for ch in 'abcwxyz'}
    np.testing.assert_array_equal(arrays['source'], [[ids['a'], ids['b'], 0], [ids['c'], 0, 0]])
    np.testing.assert_array_equal(arrays['source_mask'], arrays['source'] != PAD_ID)
    expected = [
        [BOS_ID, ids['x'], ids['y'], ids['z'], EOS_ID, PAD_ID],
        [BOS_ID, ids['w'], EOS_ID, PAD_ID, PAD_ID, PAD_ID],
    ]
    np.testing.assert_array_equal(arrays['target'], expected)
    np.testing.assert_array_equal(arrays['target_mask'], arrays['target'] != PAD_ID)
    assert arrays['source'].dtype == arrays['target'].dtype == np.int32


@pytest.mark.parametrize(
    'pairs, lengths, message',
    [
        ([('ab', 'x'), ('', 'y')], (4, 4), "train example 1: source '' has no tokens"),
        ([('ab', '')], (4, 4), "train example 0: target '' has no tokens"),
        ([('ab', 'x'), ('abcde', 'y')], (4, 4), 'max_length=4 is shorter than train example 1, '),
        ([('ab', 'xyzw')], (4, 4), r'target_length=4 is shorter .* target \+ eos has 5 tokens'),
        ([], (4, 4), "split 'train' has no"),
    ],
)
def test_bad_pairs_are_one_line_errors(pairs, lengths, message):
    with pytest.raises(ValueError, match=message) as error:
        text_pairs.encode_pairs(pairs, BYTES, *lengths, 'train')
    assert '\n' not in str(error.value)


def dates_config(**kw):
    config = config_defaults.text_data(
        'dates/tiny', 8, 'char', 64, 40, target_length=11, layout='seq2seq'
    )
    config.update(eval_batch_size=16, **kw)
    return config


def test_dates_batches_decode_to_source_and_iso_target():
    splits = data.get(dates_config(), seed=0)
    assert splits.info.input_shape == (40, 11) and splits.info.num_eval == 100
    tokenizer = load_tokenizer(splits.info.assets[TOKENIZER_ASSET])
    batch = splits.eval[0]
    assert batch['source'].shape == (16, 40) and batch['target'].shape == (16, 12)
    for row in range(16):
        source = list(batch['source'][row][batch['source_mask'][row]])
        target = tokenizer.decode(batch['target'][row][batch['target_mask'][row]])
        day = datetime.date.fromisoformat(target)  # (tiny's char vocabulary may lack a letter)
        assert any(tokenizer.encode(write(day)) == source for write in dates.FORMATS.values())
        assert batch['target_mask'][row].all() and batch['target'][row, 11] == EOS_ID  # 10 + eos


def test_dates_config_errors():
    with pytest.raises(ValueError, match="'dates/tiny' pairs a source with a target"):
        data.get(config_defaults.text_data('dates/tiny', 8, 'char', 64, 40), seed=0)
    with pytest.raises(ValueError, match='config.data.target_length=0 is not allowed'):
        data.check(dates_config(target_length=0))
    with pytest.raises(ValueError, match='config.data.max_length=20 is shorter than train'):
        data.get(dates_config(max_length=20), seed=0)
