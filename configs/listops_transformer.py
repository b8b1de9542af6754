"""Transformer encoder on ListOps (nested MIN/MAX/MED/SM expressions of 64-256 tokens, value
0-9; `seqlab/data/builders/listops.py`): every token attends to all 256 positions.

python launch.py --config=configs/listops_transformer.py
python launch.py --config=configs/listops_transformer.py:smoke
python experiments/conv_vs_attention_listops.py --train   # with configs/listops_cnn.py
"""

import ml_collections

from seqlab.config import parse_arg
from seqlab.data import text_splits
from seqlab.data.builders import listops
from seqlab.train import defaults

VOCAB = 32  # 5 special ids + 16 symbols ([, ], MIN, MAX, MED, SM, 0-9), rounded up


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = parse_arg(arg, smoke=False)
    config = defaults.base()
    config.data = text_splits.default_config('listops', 32, 'word', VOCAB, listops.MAX_LENGTH)
    config.model = ml_collections.ConfigDict(
        dict(
            name='text_transformer',
            kwargs=dict(
                vocab_size=config.data.get_ref('vocab_size'),
                width=32,
                depth=2,
                heads=2,
                mlp_dim=64,
                max_length=config.data.get_ref('max_length'),
                pool='cls',
                position='learned',
                interpolate=False,
                dropout=0.1,
                attention_dropout=0.0,
                scan=True,
                remat='none',
                dtype='float32',
            ),
        )
    )
    config.task = ml_collections.ConfigDict(
        dict(name='classification', kwargs=dict(input_key='tokens'))
    )
    config.steps = '600'
    config.log_every = '100'
    config.eval_every = '200'
    config.checkpoint.every = '200'
    config.optim.update(lr=1e-3, weight_decay=0.01)
    if arg.smoke:
        config.data.update(name='listops/tiny', batch_size=8, eval_batch_size=16, max_length=96)
        config.model.kwargs.update(width=16, depth=2, heads=2, mlp_dim=32)
        config.update(steps='24', log_every='1', eval_every='12')
        config.checkpoint.every = '8'
        config.optim.warmup = '4'
    return config
