"""GPT on the King James Bible (byte tokens by default); eval loss and bits per byte.

python launch.py --config=configs/gpt.py
python launch.py --config=configs/gpt.py:tokenizer=bpe,vocab=4096
python launch.py --config=configs/gpt.py --mode=generate      # continue config.generate.prompts
python launch.py --config=configs/gpt.py:smoke                # tiny run used by the tests

Trained on Genesis-Acts, selected on Romans-Philemon (validation).
"""

import ml_collections

from seqlab.config import parse_arg
from seqlab.data import text_splits
from seqlab.train import defaults


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = parse_arg(arg, tokenizer='byte', vocab=text_splits.BYTE_VOCAB, length=256, smoke=False)
    config = defaults.base()
    config.data = text_splits.default_config('kjv', 32, arg.tokenizer, arg.vocab, arg.length)
    config.model = ml_collections.ConfigDict(
        dict(
            name='gpt',
            kwargs=dict(
                width=256,
                depth=6,
                heads=8,
                mlp_dim=1024,
                max_length=config.data.get_ref('max_length'),
                position='learned',
                dropout=0.1,
                attention_dropout=0.0,
                scan=True,
                remat='none',
                dtype='float32',
            ),
        )
    )
    config.task = ml_collections.ConfigDict(dict(name='causal_lm', kwargs=dict()))
    config.steps = '20ep'
    config.optim.lr = 1e-3
    config.optim.weight_decay = 0.1
    config.checkpoint.best_metric = 'eval/loss'
    config.checkpoint.best_mode = 'min'
    config.generate = ml_collections.ConfigDict(
        dict(
            prompts=('In the beginning', 'And Jesus said unto them,', 'The LORD is my shepherd;'),
            steps=200,
            temperature=0.8,
            top_k=40,
            seed=0,
        )
    )
    if arg.smoke:
        data = config.data
        config = defaults.smoke(config)
        config.data = data
        config.data.update(name='kjv/tiny', batch_size=8, eval_batch_size=16)
        config.data.max_length = 16
        config.model.kwargs.update(width=16, depth=2, heads=2, mlp_dim=32)
        config.generate.update(prompts=('In', 'And the'), steps=8)
    return config
