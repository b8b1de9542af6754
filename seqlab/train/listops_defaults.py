"""What the ListOps configs share: the dataset in word tokens, the classification task on the
tokens, a 600-step schedule, and the smoke run; each config adds its model."""

import ml_collections

from seqlab.data import text_splits
from seqlab.data.builders import listops as listops_builder
from seqlab.train import defaults

VOCAB = 32  # 5 special ids + 16 symbols ([, ], MIN, MAX, MED, SM, 0-9), rounded up


def listops() -> ml_collections.ConfigDict:
    """Base config + ListOps (batches of 32, up to 256 tokens) + classification of its tokens:
    600 updates at lr 1e-3, eval and checkpoint every 200."""
    config = defaults.base()
    config.data = text_splits.default_config(
        'listops', 32, 'word', VOCAB, listops_builder.MAX_LENGTH
    )
    config.task = ml_collections.ConfigDict(
        dict(name='classification', kwargs=dict(input_key='tokens'))
    )
    config.steps = '600'
    config.log_every = '100'
    config.eval_every = '200'
    config.checkpoint.every = '200'
    config.optim.lr = 1e-3
    return config


def smoke(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
    """A tiny run on 'listops/tiny' that still logs, evaluates and checkpoints twice."""
    config.data.update(name='listops/tiny', batch_size=8, eval_batch_size=16)
    config.update(steps='24', log_every='1', eval_every='12')
    config.checkpoint.every = '8'
    config.optim.warmup = '4'
    return config
