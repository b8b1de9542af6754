"""What the forecasting configs share: a series dataset, the `forecaster` model's output options,
the forecasting task and its schedule, and the smoke run."""

from typing import Any

import ml_collections

from seqlab.data import keys
from seqlab.train import defaults


def forecasting(
    dataset: str,
    backbone: str,
    backbone_kwargs: dict[str, Any],
    *,
    head: str,
    sampling: str,
    difference: bool,
    steps: int,
    every: int,
) -> ml_collections.ConfigDict:
    """Base config + `dataset` in windows of 128 steps (eval forecasts 52) + the `forecaster` with
    `backbone` + the forecasting task: `steps` updates (the scheduled sampling ramp spans them),
    eval and checkpoint every `every`, the best checkpoint by validation MAE."""
    config = defaults.base()
    config.data = ml_collections.ConfigDict(
        dict(
            name=dataset,
            batch_size=32,
            eval_batch_size=256,
            data_dir='',
            train_split='train',
            eval_split='validation',
            test_split='test',
            context=128,
            horizon=52,
            keys=keys.default_config(),
            modality='',  # '': the dataset's own (a table: the config's); or force one
            builder='',  # 'package.module:BuilderClass': a TFDS builder of your own
        )
    )
    config.model = ml_collections.ConfigDict(
        dict(
            name='forecaster',
            kwargs=dict(
                backbone=backbone,
                head=head,
                **backbone_kwargs,
                difference=difference,
                sampling=sampling,
                sampling_max=0.5,
                sampling_ramp=steps,
            ),
        )
    )
    config.task = ml_collections.ConfigDict(dict(name='forecasting', kwargs=dict()))
    config.steps = str(steps)
    config.log_every = '100'
    config.eval_every = str(every)
    config.checkpoint.update(every=str(every), best_metric='eval/mae', best_mode='min')
    config.optim.update(lr=1e-3, weight_decay=1e-4, clip_norm=1.0)
    return config


def smoke(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
    """A tiny run on yearly sunspots (309 values), 8 channels, that evaluates and checkpoints."""
    config.data.update(name='sunspots', batch_size=16, horizon=4)
    config.model.kwargs.update(channels=8, sampling_ramp=24)
    config.update(steps='24', log_every='1', eval_every='12')
    config.checkpoint.every = '8'
    config.optim.warmup = '4'
    return config
