"""The validation split carved from train for datasets that ship without one (digits here):
disjoint from the rest of train, about HOLDOUT_PERCENT of it, decided by the source id alone, and
named in the error for a split the dataset lacks."""

import hashlib
import os

import ml_collections
import numpy as np
import pytest
import tensorflow_datasets as tfds

from seqlab import data
from seqlab.config import ConfigError
from seqlab.data import builders, holdout, records


def ids_of(source) -> list[int]:
    return [int(record['id']) for record in source.__getitems__(list(range(len(source))))]


@pytest.fixture(scope='module')
def digits(data_dir):
    return builders.offline('digits', str(data_dir))


def test_validation_is_carved_from_train_by_the_hash_of_the_source_id(digits):
    assert 'validation' not in digits.info.splits
    whole = ids_of(digits.as_data_source(split='train'))
    train = ids_of(holdout.open_split(digits, 'train', 'config.data.train_split'))
    validation = ids_of(holdout.open_split(digits, 'validation', 'config.data.eval_split'))
    assert not set(train) & set(validation)
    assert sorted(train + validation) == sorted(whole)
    assert 0.06 < len(validation) / len(whole) < 0.14, len(validation)
    # the rule, computed here from the ids alone (not from TFDS's storage order)
    rule = {i for i in whole if int(hashlib.md5(str(i).encode()).hexdigest()[:8], 16) % 100 < 10}
    assert set(validation) == rule


def test_other_splits_are_tfds_own_and_an_unknown_one_lists_the_allowed(digits):
    test = holdout.open_split(digits, 'test', 'config.data.eval_split')
    assert ids_of(test) == ids_of(digits.as_data_source(split='test'))
    with pytest.raises(ConfigError, match=r"config.data.eval_split='dev'.*allowed: test, "
                       r'train, validation'):  # fmt: skip
        holdout.open_split(digits, 'dev', 'config.data.eval_split')


def test_a_run_trains_on_the_rest_and_evaluates_on_validation(data_dir):
    values = dict(
        name='digits', batch_size=8, eval_batch_size=8, data_dir='', augment='none',
        train_split='train', eval_split='validation', test_split='test',
    )  # fmt: skip
    splits = data.get(ml_collections.ConfigDict(values), seed=0)
    validation = {
        int(i)
        for batch in splits.eval
        for i, m in zip(batch['id'], batch['mask'], strict=True)
        if m
    }
    train = {int(i) for batch in splits.train[:200] for i in batch['id']}
    assert validation and not validation & train
    assert splits.info.num_eval == len(validation)
    assert data.split_names(ml_collections.ConfigDict(values)) == ['test', 'train', 'validation']


def test_source_ids_decode_the_id_alone_and_equal_the_full_records(digits):
    source = digits.as_data_source(split='train')
    only_ids = records.decoded(source, keys=('id',))
    assert set(only_ids[0]) == {'id'}  # the image is not decoded
    assert holdout.source_ids(source) == ids_of(source)


def test_a_dataset_without_ids_is_read_by_position_without_reading_a_record():
    class NoIds:
        dataset_info = type('Info', (), {'features': tfds.features.FeaturesDict({'x': np.int64})})

        def __len__(self):
            return 5

        def __getitems__(self, indices):
            raise AssertionError('positions need no read')

    assert holdout.source_ids(NoIds()) == [0, 1, 2, 3, 4]


def test_train_and_validation_read_the_train_ids_once_until_the_dataset_is_prepared_again(
    digits, monkeypatch
):
    monkeypatch.setattr(holdout, '_TRAIN_IDS', {})
    reads = []
    real = holdout.source_ids
    monkeypatch.setattr(holdout, 'source_ids', lambda source: reads.append(1) or real(source))
    train = ids_of(holdout.open_split(digits, 'train', 'config.data.train_split'))
    validation = ids_of(holdout.open_split(digits, 'validation', 'config.data.eval_split'))
    assert len(reads) == 1
    info = os.path.join(digits.data_dir, 'dataset_info.json')
    written = os.stat(info)
    try:
        os.utime(info, ns=(written.st_atime_ns, written.st_mtime_ns + 1))  # prepared again
        assert ids_of(holdout.open_split(digits, 'train', 'config.data.train_split')) == train
        assert len(reads) == 2
    finally:
        os.utime(info, ns=(written.st_atime_ns, written.st_mtime_ns))
    assert not set(train) & set(validation)
