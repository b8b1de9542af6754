"""Bits per byte of a BPE language model: each id's byte count sums to the text's UTF-8 length for
any text, and the causal_lm metric over a whole eval split, summed as the train loop sums it,
equals the nats of the split's token stream / (ln 2 x its UTF-8 bytes): every token after the
first predicted once, padding in neither sum."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from seqlab import config_defaults, data
from seqlab.data.text_splits import vocabulary
from seqlab.data.tokenizers import EOS_ID, TOKENIZER_ASSET, load_tokenizer, make_tokenizer
from seqlab.tasks.causal_lm import CausalLM
from seqlab.train import loop

TRAIN_TEXTS = ['naïve café 東京 👋🏽 ok', 'the LORD said unto Moses', 'e\u0301 ß ﬁ'] * 4
BPE = make_tokenizer('bpe', TRAIN_TEXTS, vocab_size=300)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_token_bytes_sum_to_the_utf8_length(text):
    sizes = vocabulary.token_bytes(BPE)
    assert sum(int(sizes[i]) for i in BPE.encode(text)) == len(text.encode('utf-8'))


def test_bits_per_byte_over_an_eval_split_is_the_streams_nats_per_byte():
    config = config_defaults.text_data('kjv/tiny', 8, 'bpe', 300, 12, layout='causal_lm')
    config.eval_batch_size = 16  # several batches, the last one padded
    splits = data.get(config, seed=0)
    tokenizer = load_tokenizer(splits.info.assets[TOKENIZER_ASSET])
    # A bigram model: the logits of the next id are a row of a random table given the current id.
    table = np.random.default_rng(0).normal(size=(300, 300))
    log_probs = table - np.log(np.exp(table).sum(1, keepdims=True))
    task, sums = CausalLM(), {}
    for index in range(len(splits.eval)):
        batch = splits.eval[index]
        _, metrics = task.loss(table[task.inputs(batch)[0]].astype(np.float32), batch)
        for name, (total, count) in metrics.items():
            acc = sums.setdefault(name, [0.0, 0.0])
            acc[0], acc[1] = acc[0] + float(total), acc[1] + float(count)
    assert batch['mask'].min() == 0  # padding examples were part of the sums
    bits = loop.summarize(sums, 'eval')['eval/bits_per_byte']

    source = data.builders.offline('kjv/tiny', data.data_dir(config))
    verses = [record['text'].decode() for record in source.as_data_source(split='validation')]
    stream = [i for verse in verses for i in (*tokenizer.encode(verse), EOS_ID)]
    nats = -log_probs[stream[:-1], stream[1:]].sum()
    first = len(tokenizer.decode(stream[:1]).encode())  # the first token is never predicted
    num_bytes = len(''.join(verse + '\n' for verse in verses).encode()) - first
    assert math.isclose(bits, nats / (math.log(2) * num_bytes), rel_tol=1e-5)
