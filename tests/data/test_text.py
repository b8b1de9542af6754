"""Padding, bucketing and language-model windows: shapes, masks and contents."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqlab.data.text import bucket_length, lm_windows, pad_batch

SEQUENCES = st.lists(st.lists(st.integers(5, 99), max_size=12), min_size=1, max_size=6)


@settings(max_examples=50, deadline=None)
@given(sequences=SEQUENCES)
def test_pad_batch_to_longest_keeps_tokens_and_masks_padding(sequences):
    batch = pad_batch(sequences, pad_id=0)
    tokens, mask = batch['tokens'], batch['mask']
    assert tokens.dtype == np.int32 and mask.dtype == bool
    assert tokens.shape == mask.shape == (len(sequences), max(map(len, sequences)))
    np.testing.assert_array_equal(mask.sum(axis=1), [len(s) for s in sequences])
    for row, sequence in enumerate(sequences):
        assert tokens[row][mask[row]].tolist() == sequence
        assert mask[row].tolist() == sorted(mask[row].tolist(), reverse=True)
    assert (tokens[~mask] == 0).all()


@settings(max_examples=50, deadline=None)
@given(sequences=SEQUENCES, buckets=st.lists(st.integers(1, 30), min_size=1, max_size=4))
def test_pad_batch_to_buckets_picks_smallest_fitting_bucket(sequences, buckets):
    longest = max(map(len, sequences))
    if longest > max(buckets):
        with pytest.raises(ValueError, match=f'length {longest} exceeds every bucket'):
            pad_batch(sequences, buckets=buckets)
        return
    batch = pad_batch(sequences, pad_id=7, buckets=buckets)
    width = batch['tokens'].shape[1]
    assert width in buckets and width >= longest
    assert all(b < longest or b >= width for b in buckets)
    np.testing.assert_array_equal(batch['mask'].sum(axis=1), [len(s) for s in sequences])
    assert (batch['tokens'][~batch['mask']] == 7).all()


def test_pad_batch_to_fixed_length_and_errors():
    batch = pad_batch([[5, 6], [7]], pad_id=0, length=4)
    np.testing.assert_array_equal(batch['tokens'], [[5, 6, 0, 0], [7, 0, 0, 0]])
    np.testing.assert_array_equal(batch['mask'], [[1, 1, 0, 0], [1, 0, 0, 0]])
    with pytest.raises(ValueError, match='length 3 exceeds length; allowed: <= 2'):
        pad_batch([[1, 2, 3]], length=2)
    with pytest.raises(ValueError, match='not both'):
        pad_batch([[1]], length=2, buckets=[4])


def test_bucket_length():
    assert bucket_length(5, [16, 8, 32]) == 8
    assert bucket_length(8, [16, 8, 32]) == 8
    assert bucket_length(0, [4]) == 4
    with pytest.raises(ValueError, match=r'length 33 exceeds every bucket; allowed: <= 32'):
        bucket_length(33, [16, 8, 32])


@settings(max_examples=50, deadline=None)
@given(ids=st.lists(st.integers(5, 50), max_size=40), length=st.integers(1, 9))
def test_lm_windows_predict_every_token_once(ids, length):
    windows = lm_windows(ids, length)
    tokens, mask = windows['tokens'], windows['mask']
    assert tokens.shape[1] == length + 1
    targets = tokens[:, 1:][mask[:, 1:]]
    assert targets.tolist() == ids[1:]
    inputs_of_targets = tokens[:, :-1][mask[:, 1:]]
    assert inputs_of_targets.tolist() == ids[:-1]


def test_lm_windows_rejects_empty_windows():
    with pytest.raises(ValueError, match='window length 0 invalid'):
        lm_windows([1, 2, 3], 0)
