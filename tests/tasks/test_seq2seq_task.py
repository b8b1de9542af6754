"""Seq2seq task: padding never counts, exact match is counted per real example through eos, the
loop's eval step uses a task's eval_outputs, and --mode=generate translates config inputs with the
tokenizer given in info.assets (empty or unknown text is a one-line ConfigError)."""

import types

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax
import pytest

from seqlab.config import ConfigError
from seqlab.data.tokenizers import BOS_ID, EOS_ID, PAD_ID, load_tokenizer, make_tokenizer
from seqlab.models.seq2seq import Seq2Seq as Seq2SeqModel
from seqlab.models.seq2seq import greedy_decode
from seqlab.tasks.base import Task
from seqlab.tasks.seq2seq import Seq2Seq, output_text
from seqlab.train import loop

TASK = Seq2Seq()
MODEL = Seq2SeqModel(
    vocab_size=20, width=16, encoder_depth=1, decoder_depth=1, heads=2, mlp_dim=16, max_length=12
)


def hand_built_batch():
    """Four examples (the last is padding); labels = target[:, 1:] end with eos, then padding."""
    target = np.array(
        [
            [BOS_ID, 7, 8, 9, EOS_ID, PAD_ID],
            [BOS_ID, 7, 8, 9, EOS_ID, PAD_ID],
            [BOS_ID, 6, EOS_ID, PAD_ID, PAD_ID, PAD_ID],
            [PAD_ID] * 6,
        ],
        np.int32,
    )
    return {
        'source': np.full((4, 3), 5, np.int32),
        'source_mask': np.ones((4, 3), bool),
        'target': target,
        'target_mask': target != PAD_ID,
        'mask': np.array([1.0, 1.0, 1.0, 0.0], np.float32),
    }


def test_loss_and_exact_match_count_real_tokens_of_real_examples():
    batch = hand_built_batch()
    labels = batch['target'][:, 1:]
    decoded = labels.copy()
    decoded[0, 4] = 11  # after eos: still an exact match
    decoded[1, 2] = 12  # a real token wrong: not a match
    decoded[2, 2:] = 13  # after eos again: a match
    decoded[3] = 14  # the padding example never counts
    rng = np.random.default_rng(0)
    logits = jnp.asarray(rng.normal(size=(4, 5, 20)), jnp.float32)
    loss, metrics = TASK.loss({'logits': logits, 'decoded': jnp.asarray(decoded)}, batch)
    assert [float(v) for v in metrics['exact_match']] == [2.0, 3.0]
    real = batch['target_mask'][:, 1:] & (batch['mask'][:, None] > 0)
    nll = optax.softmax_cross_entropy_with_integer_labels(logits, labels)
    np.testing.assert_allclose(loss, float(nll[real].mean()), rtol=1e-6)
    assert float(metrics['loss'][1]) == real.sum() == 4 + 4 + 2
    garbage = logits.at[3].set(50.0).at[2, 2:].set(-50.0)  # padding logits never matter
    train_loss, train_metrics = TASK.loss(garbage, batch)  # training: logits only
    np.testing.assert_allclose(train_loss, loss, rtol=1e-6)
    assert 'exact_match' not in train_metrics
    one_hot = jax.nn.one_hot(labels, 20) * 10.0  # teacher-forced accuracy: every real token
    assert float(TASK.loss(one_hot, batch)[1]['accuracy'][0]) == real.sum()


def test_datasets_without_pairs_are_refused():
    info = types.SimpleNamespace(name='kjv', modality='text', input_shape=(64,), extras={})
    with pytest.raises(ConfigError, match="dataset 'kjv' has none; allowed: a dataset with"):
        TASK.model_kwargs(info)
    pairs = types.SimpleNamespace(
        name='dates', modality='text', input_shape=(40, 11), extras={'vocab_size': 96}
    )
    assert TASK.model_kwargs(pairs) == {'vocab_size': 96}


@pytest.fixture(scope='module')
def params():
    batch = hand_built_batch()
    return MODEL.init(jax.random.PRNGKey(0), *TASK.inputs(batch))['params']


def test_eval_step_uses_the_tasks_eval_outputs(params):
    batch = hand_built_batch()
    plan = types.SimpleNamespace(model=MODEL, task=TASK)
    metrics = loop.make_eval_step(plan)(params, batch)
    outputs = TASK.eval_outputs(MODEL, params, batch)
    np.testing.assert_allclose(
        outputs['logits'], MODEL.apply({'params': params}, *TASK.inputs(batch)), atol=1e-6
    )
    encoded = MODEL.apply(
        {'params': params}, batch['source'], batch['source_mask'], method=Seq2SeqModel.encode
    )
    expected = greedy_decode(MODEL, params, encoded, batch['source_mask'], 5, BOS_ID)
    np.testing.assert_array_equal(outputs['decoded'], expected)
    assert (
        metrics.keys()
        == TASK.loss(outputs, batch)[1].keys()
        == {
            'loss',
            'accuracy',
            'exact_match',
        }
    )
    plain = types.SimpleNamespace(model=MODEL, task=WithoutHook())  # the base class's outputs
    assert 'exact_match' not in loop.make_eval_step(plain)(params, batch)


class WithoutHook(Seq2Seq):
    """The same task with the default eval_outputs (model.apply on the inputs)."""

    eval_outputs = Task.eval_outputs


@pytest.fixture(scope='module')
def info(tmp_path_factory):
    path = tmp_path_factory.mktemp('assets') / 'tokenizer.json'
    make_tokenizer('char', ['March 5, 2021', '2021-03-05'], max_size=15).save(path)
    return types.SimpleNamespace(assets={'tokenizer.json': str(path)})


def options(**kw):
    return ml_collections.ConfigDict({'inputs': ('March 5', '2021, 5 Mar'), 'steps': 6, **kw})


def test_generate_writes_each_input_and_its_greedy_output(params, info, tmp_path):
    path = TASK.generate(MODEL, params, options(), info, str(tmp_path))
    lines = [line.split('\t') for line in open(path, encoding='utf-8').read().splitlines()]
    assert [source for source, _ in lines] == ['March 5', '2021, 5 Mar']
    tokenizer = load_tokenizer(info.assets['tokenizer.json'])
    for source, output in lines:  # each input alone, unpadded, gives the same output
        ids = jnp.array([tokenizer.encode(source)])
        encoded = MODEL.apply({'params': params}, ids, ids > 0, method=Seq2SeqModel.encode)
        decoded = greedy_decode(MODEL, params, encoded, ids > 0, 6, BOS_ID)[0]
        assert output == output_text(np.asarray(decoded), tokenizer)


def test_output_text_stops_at_eos_and_writes_unknown_ids_as_unk(info):
    tokenizer = load_tokenizer(info.assets['tokenizer.json'])
    ids = [*tokenizer.encode('2021'), tokenizer.vocab_size + 1, EOS_ID, *tokenizer.encode('03')]
    assert output_text(np.array(ids), tokenizer) == '2021\ufffd'
    assert output_text(np.array(tokenizer.encode('05')), tokenizer) == '05'


@pytest.mark.parametrize(
    'override, message',
    [
        ({'inputs': ('March 5', '')}, r"config.generate.inputs\[1\]='' has no tokens"),
        ({'inputs': ('May 5',)}, r"inputs\[0\]='May 5' has pieces unknown to the char tokenizer"),
        ({'inputs': ('March 2021, March 5',)}, r'has 19 tokens; allowed: <= max_length=12'),
        ({'inputs': 'March 5'}, r"inputs='March 5' is not allowed; allowed: a non-empty tuple"),
        ({'steps': 13}, r'steps=13 is not allowed; allowed: an int in \[1, max_length=12\]'),
    ],
)
def test_bad_generate_options_are_one_line_errors(params, info, tmp_path, override, message):
    with pytest.raises(ConfigError, match=message) as error:
        TASK.generate(MODEL, params, options(**override), info, str(tmp_path))
    assert '\n' not in str(error.value)
