"""Text CNN on ListOps (nested MIN/MAX/MED/SM expressions of 64-256 tokens, value 0-9;
`seqlab/data/builders/listops.py`): 4 stacked convolutions of width 3 over the tokens, so each
position sees 9 tokens before the global max pool.

python launch.py --config=configs/listops_cnn.py
python launch.py --config=configs/listops_cnn.py:smoke
python experiments/conv_vs_attention_listops.py --train   # with configs/listops_transformer.py
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
            name='text_cnn',
            kwargs=dict(
                vocab_size=config.data.get_ref('vocab_size'),
                width=32,
                features=64,
                kernel_sizes=(3,),
                depth=4,
                dropout=0.1,
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
    config.optim.update(lr=1e-3, weight_decay=1e-4)
    if arg.smoke:
        config.data.update(name='listops/tiny', batch_size=8, eval_batch_size=16)
        config.model.kwargs.update(width=8, features=8, depth=2)
        config.update(steps='24', log_every='1', eval_every='12')
        config.checkpoint.every = '8'
        config.optim.warmup = '4'
    return config
