"""Masked-LM text splits (config.data.layout='masked_lm', config.data.mask_rate): train masking is drawn anew at every read yet
reproducible from the seed, eval masking is fixed; targets are the unmasked text; a fine-tuning
dataset shares the pre-training tokenizer through config.data.tokenizer_dataset; bad values are
one-line errors."""

import numpy as np
import pytest

from seqlab import config_defaults, data
from seqlab.data.tokenizers import MASK_ID


def config(name='kjv/tiny', layout='masked_lm', **keys):
    data_config = config_defaults.text_data(name, 8, 'bpe', 300, 16, layout=layout)
    data_config.update(eval_batch_size=16, **keys)
    return data_config


def batches(dataset, count):
    iterator = iter(dataset)
    return [next(iterator) for _ in range(count)]


@pytest.fixture(scope='module')
def splits():
    return data.get(config(), seed=3)


def test_masked_batches_keep_the_text_as_targets(splits):
    batch = splits.train[0]
    assert set(batch) >= {'tokens', 'token_mask', 'targets', 'target_mask', 'id', 'mask'}
    selected, real = batch['target_mask'], batch['token_mask']
    assert selected.any() and not (selected & ~real).any()
    np.testing.assert_array_equal(batch['tokens'][~selected], batch['targets'][~selected])
    assert (batch['tokens'][selected] == MASK_ID).any()
    assert splits.info.num_classes == 0 and splits.info.input_shape == (16,)
    assert batch['token_mask'].all()  # windows of the joined texts: no padding but the last


def test_train_masking_is_seeded_and_redrawn_each_epoch_eval_masking_is_fixed(splits):
    per_epoch = splits.info.num_train // 8
    first = batches(splits.train, 2 * per_epoch)
    again = batches(data.get(config(), seed=3).train, 2 * per_epoch)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a['tokens'], b['tokens'])
    masks = [{}, {}]
    for epoch in (0, 1):
        for batch in first[epoch * per_epoch : (epoch + 1) * per_epoch]:
            for i, example in enumerate(batch['id']):
                masks[epoch][int(example)] = batch['target_mask'][i]
    shared = set(masks[0]) & set(masks[1])
    assert len(shared) > 50
    assert any((masks[0][i] != masks[1][i]).any() for i in shared)
    eval_once, eval_twice = list(splits.eval), list(splits.eval)
    for a, b in zip(eval_once, eval_twice, strict=True):
        np.testing.assert_array_equal(a['target_mask'], b['target_mask'])


def test_a_finetuning_dataset_shares_the_pretraining_tokenizer(splits):
    finetune = data.get(
        config('wordnet_supersense/tiny', 'classification', tokenizer_dataset='kjv/tiny'), seed=0
    )
    assert finetune.info.assets == splits.info.assets
    assert finetune.info.num_classes == 45


@pytest.mark.parametrize(
    'keys, message',
    [
        ({'mask_rate': 1.5}, r'config.data.mask_rate=1.5 is not allowed; allowed: a float in'),
        ({'layout': 'classification', 'mask_rate': 1}, r'config.data.mask_rate=1 is not allowed'),
        ({'mask_rate': 0.0}, r"mask_rate=0.0 is not allowed with config.data.layout='masked_lm'"),
        ({'tokenizer_dataset': 'digits'}, r"tokenizer_dataset='digits' is not a text dataset"),
        ({'mask_rate': 0.15, 'max_length': 1}, r'config.data.max_length=1 is too short for masked'),
    ],
)
def test_bad_values_are_one_line_errors(keys, message):
    with pytest.raises(ValueError, match=message) as error:
        data.check(config(**keys))
    assert '\n' not in str(error.value)
