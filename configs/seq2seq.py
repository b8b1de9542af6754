"""Encoder–decoder transformer on `dates`: human-written dates -> ISO 8601, character tokens.

python launch.py --config=configs/seq2seq.py
python launch.py --config=configs/seq2seq.py --mode=eval --split=test
python launch.py --config=configs/seq2seq.py --mode=generate     # config.generate.inputs
python launch.py --config=configs/seq2seq.py:smoke               # tiny run used by the tests

Teacher forcing in training; evaluation reports token accuracy and the exact match of greedy
decoding on the validation split (test dates are never seen in training, in any format).
"""

import ml_collections

from seqlab import config_defaults
from seqlab.config import parse_arg

EXAMPLES = ('March 5, 2021', 'the twenty-first of June, 1789', '07/04/1776', 'Sat 1 Jan 2000')


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = parse_arg(arg, epochs=4, smoke=False)
    config = config_defaults.base()
    config.data = config_defaults.text_data(
        'dates',
        batch_size=128,
        tokenizer='char',
        vocab_size=96,
        max_length=40,
        target_length=11,
        layout='seq2seq',
    )
    config.model = ml_collections.ConfigDict(
        dict(
            name='seq2seq',
            kwargs=dict(
                width=128,
                encoder_depth=2,
                decoder_depth=2,
                heads=4,
                mlp_dim=256,
                max_length=config.data.get_ref('max_length'),
                position='learned',
                dropout=0.0,
                attention_dropout=0.0,
                scan=True,
            ),
        )
    )
    config.task = ml_collections.ConfigDict(dict(name='seq2seq', kwargs=dict()))
    config.generate = ml_collections.ConfigDict(
        dict(inputs=EXAMPLES, steps=config.data.get_ref('target_length'))
    )
    config.steps = f'{arg.epochs}ep'
    config.optim.lr = 1e-3
    config.optim.weight_decay = 0.01
    config.checkpoint.best_metric = 'eval/exact_match'
    if arg.smoke:
        config_defaults.smoke(config, name='dates/tiny', batch_size=8, eval_batch_size=16)
        config.model.kwargs.update(width=16, encoder_depth=1, decoder_depth=1, heads=2, mlp_dim=32)
    return config
