"""Defaults shared by every config: seed, length of the run, cadences, checkpoints, mesh, optimizer."""

import ml_collections

from seqlab.data import keys
from seqlab.train import init, optim, partition


def base() -> ml_collections.ConfigDict:
    """Top-level keys the train loop reads; each config adds `model`, `data` and `task`."""
    config = ml_collections.ConfigDict()
    config.seed = 0
    config.matmul_precision = 'default'  # default | high | highest: train/precision.py
    config.deterministic = True  # GPU: deterministic XLA ops, so resume is exact (runtime.py)
    config.init = init.default_config()  # trained weights a fresh run starts from: train/init.py
    config.steps = '10ep'  # total optimizer updates: steps ('5000') or epochs ('10ep')
    config.log_every = '50'  # cadences: steps, epochs ('1ep') or percent of the run ('10%')
    config.eval_every = '1ep'
    config.log_example_ids = False  # True: each step's example ids to <workdir>/example_ids.jsonl
    config.checkpoint = ml_collections.ConfigDict(
        dict(every='1ep', keep=3, best_metric='eval/accuracy', best_mode='max')
    )
    # Device mesh and sharding rules (seqlab/train/partition.py): -1 takes the remaining devices.
    config.mesh = ml_collections.ConfigDict(
        dict(data=-1, fsdp=1, tensor=1, rules=partition.DEFAULT_RULES, fsdp_min_size=2**14)
    )
    config.optim = optim.default_config()
    return config


def vision_data(name: str = 'fashion_mnist', batch_size: int = 128) -> ml_collections.ConfigDict:
    return ml_collections.ConfigDict(
        dict(
            name=name,
            batch_size=batch_size,
            eval_batch_size=512,  # splits over 1, 2, 4, 8, ... data × fsdp devices
            data_dir='',
            augment='none',
            image_size=None,  # None: the images' own size; an int or (height, width) resizes
            keys=keys.default_config(),  # seqlab's names -> the dataset's columns / features
            modality='',  # '': the dataset's own (a table: the config's); or force one
            builder='',  # 'package.module:BuilderClass': a TFDS builder of your own
            cache='auto',  # splits in memory: 'auto' (up to 1 GiB), 'memory', 'none'
            train_split='train',
            eval_split='validation',  # carved from train where the dataset has none
            test_split='test',  # evaluated once, at the end of the run (test/...)
        )
    )


def image_classification(dataset: str = 'fashion_mnist') -> ml_collections.ConfigDict:
    """Base config + an image dataset (flip augmentation) + the classification task."""
    config = base()
    config.data = vision_data(dataset, batch_size=128)
    config.data.augment = 'flip'
    config.task = ml_collections.ConfigDict(
        dict(name='classification', kwargs=dict(label_smoothing=0.0))
    )
    config.optim.weight_decay = 0.05
    return config


def smoke(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
    """A tiny, fast run on sklearn digits that still logs, evaluates and checkpoints twice."""
    config.data = vision_data('digits', batch_size=32)
    config.data.eval_batch_size = 64
    config.steps = '24'
    config.log_every = '1'
    config.eval_every = '12'
    config.checkpoint.every = '8'
    config.optim.warmup = '4'
    return config
