"""Text splits: fixed shapes and masks, truncation, a deterministic cached tokenizer, LM windows that
cover the eval stream once, padding that never counts, bytes per token, and one-line errors."""

import os

import numpy as np
import pytest

from seqlab import config_defaults, data
from seqlab.config import ConfigError
from seqlab.data.text_splits.classification import classification_example
from seqlab.data.tokenizers import EOS_ID, PAD_ID, TOKENIZER_ASSET, load_tokenizer


def text_config(name='wordnet_supersense/tiny', tokenizer='word', vocab_size=300, **kw):
    config = config_defaults.text_data(name, 8, tokenizer, vocab_size, 12)
    config.eval_batch_size = 16
    config.update(kw)
    return config


@pytest.fixture(scope='module')
def classification():
    return data.get(text_config(), seed=0)


@pytest.fixture(scope='module')
def language_model():
    return data.get(text_config('kjv/tiny', 'byte', 261, layout='causal_lm'), seed=0)


def test_classification_batches_pad_and_mask(classification):
    batch = classification.train[0]
    assert batch['tokens'].shape == batch['token_mask'].shape == (8, 12)
    assert batch['tokens'].dtype == np.int32 and batch['token_mask'].dtype == bool
    assert np.all((batch['tokens'] != PAD_ID) == batch['token_mask'])
    lengths = batch['token_mask'].sum(1)  # real tokens come first, then only padding
    assert np.all(batch['token_mask'] == (np.arange(12)[None] < lengths[:, None]))
    info = classification.info
    assert info.num_classes == 45 and info.input_shape == (12,)
    assert batch['tokens'].max() < info.extras['vocab_size'] and info.extras['pad_id'] == PAD_ID


def test_long_texts_keep_their_first_tokens(classification):
    tokenizer = load_tokenizer(classification.info.assets[TOKENIZER_ASSET])
    source = data.builders.offline('wordnet_supersense/tiny', data.data_dir(text_config()))
    records = source.as_data_source(split='validation')
    by_id = {int(record['id']): record for record in records}  # batches carry source ids
    batch = classification.eval[0]
    for row, source_id in enumerate(batch['id']):
        ids = tokenizer.encode(by_id[int(source_id)]['text'].decode())
        assert list(batch['tokens'][row][batch['token_mask'][row]]) == ids[:12]


def test_an_empty_text_is_refused_naming_its_record(classification):
    tokenizer = load_tokenizer(classification.info.assets[TOKENIZER_ASSET])
    record = {'text': b'', 'label': 3}
    with pytest.raises(data.BadRecordError, match=r'^train record 7: text is empty \(no tokens\)'):
        classification_example(7, record, split='train', tokenizer=tokenizer, max_length=12)
    example = classification_example(
        7, {'text': b'a gloss', 'label': 3}, split='train', tokenizer=tokenizer, max_length=12
    )
    assert example['token_mask'].sum() > 0


def test_eval_padding_examples_are_masked(classification):
    last = classification.eval[len(classification.eval) - 1]
    padding = last['id'] == -1
    assert padding.any() and np.all(last['mask'][padding] == 0)
    assert not last['token_mask'][padding].any()
    total = sum(
        float(classification.eval[i]['mask'].sum()) for i in range(len(classification.eval))
    )
    assert total == classification.info.num_eval


def test_tokenizer_is_cached_and_splits_are_deterministic(classification):
    path = classification.info.assets[TOKENIZER_ASSET]
    assert os.path.dirname(path).endswith(os.path.join('wordnet_supersense', 'tiny', '1.0.0'))
    assert os.path.basename(path) == 'tokenizer_train_word_300.json'
    before = os.path.getmtime(path)
    again = data.get(text_config(), seed=0)
    assert os.path.getmtime(path) == before  # read back, not retrained
    for a, b in (
        (classification.train[3], again.train[3]),
        (classification.eval[0], again.eval[0]),
    ):
        assert all(np.array_equal(a[k], b[k]) for k in a)
    other = data.get(text_config(vocab_size=50), seed=0)
    assert other.info.assets[TOKENIZER_ASSET] != path
    assert other.train[0]['tokens'].max() < 50


def test_lm_windows_cover_the_eval_stream_once(language_model):
    tokenizer = load_tokenizer(language_model.info.assets[TOKENIZER_ASSET])
    source = data.builders.offline('kjv/tiny', data.data_dir(text_config()))
    stream = []
    for record in source.as_data_source(split='validation'):
        stream += [*tokenizer.encode(record['text'].decode()), EOS_ID]
    targets = []
    for i in range(len(language_model.eval)):
        batch = language_model.eval[i]
        assert batch['tokens'].shape == (16, 13)
        keep = batch['token_mask'][:, 1:] & (batch['mask'][:, None] > 0)
        targets += list(batch['tokens'][:, 1:][keep])
    assert targets == stream[1:]


def test_token_bytes_count_the_text(language_model):
    batch = language_model.train[0]
    expected = np.where(batch['tokens'] == EOS_ID, 1, batch['token_mask'].astype(np.int32))
    assert np.array_equal(batch['token_bytes'], expected)  # bytes: one per content token
    bpe = data.get(text_config('kjv/tiny', 'bpe', 300, layout='causal_lm'), seed=0)
    tokenizer = load_tokenizer(bpe.info.assets[TOKENIZER_ASSET])
    batch = bpe.eval[0]
    for row in range(4):
        ids = [i for i in batch['tokens'][row][batch['token_mask'][row]] if i != EOS_ID]
        real = batch['token_mask'][row] & (batch['tokens'][row] != EOS_ID)
        assert batch['token_bytes'][row][real].sum() == len(tokenizer.decode(ids).encode())


def test_lossy_tokenizers_have_no_token_bytes():
    splits = data.get(text_config('kjv/tiny', 'word', 300, layout='causal_lm'), seed=0)
    assert 'token_bytes' not in splits.train[0]


@pytest.mark.parametrize(
    'override, message',
    [
        ({'tokenizer': 'sentencepiece'}, 'config.data.tokenizer='),
        ({'vocab_size': 2}, 'config.data.vocab_size=2'),
        ({'max_length': 0}, 'config.data.max_length=0'),
        ({'tokenizer': 'byte', 'vocab_size': 100}, 'allowed: >= 261'),
        (
            {'layout': 'lm'},
            "config.data.layout='lm' is not allowed; allowed: classification, causal_lm, "
            'masked_lm, seq2seq',
        ),
        ({'mask_rate': 0.15}, "mask_rate=0.15 is not allowed with config.data.layout='class"),
        ({'layout': 'seq2seq'}, "layout='seq2seq' needs config.data.target_length"),
    ],
)
def test_bad_keys_are_one_line_errors(override, message):
    with pytest.raises(ValueError, match=message) as error:
        data.check(text_config(**override))
    assert '\n' not in str(error.value)


def test_a_layout_the_dataset_cannot_fill_is_a_one_line_error():
    with pytest.raises(
        ConfigError, match="needs a ClassLabel feature `label`, and dataset 'kjv/ti"
    ):
        data.get(text_config('kjv/tiny', 'byte', 261), seed=0)
    with pytest.raises(ConfigError, match=r"layout='seq2seq' reads source and target, and datas"):
        data.get(text_config(layout='seq2seq', target_length=8), seed=0)
