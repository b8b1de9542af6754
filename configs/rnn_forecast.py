"""LSTM / GRU forecaster on weekly Mauna Loa CO2: the recurrent baseline of configs/forecast.py.

Same data, shifted targets, heads and sampling options as the convolutional forecaster; a
recurrence replaces the dilated stack. Gradients are clipped to global norm 1.

python launch.py --config=configs/rnn_forecast.py                      # LSTM
python launch.py --config=configs/rnn_forecast.py:cell=gru,sampling=scheduled
python launch.py --config=configs/rnn_forecast.py:smoke
"""

import ml_collections

from seqlab.config import one_of, parse_arg
from seqlab.models.forecaster import HEADS, SAMPLINGS
from seqlab.train import defaults

CELLS = ('lstm', 'gru')


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = parse_arg(arg, cell='lstm', head='shifted', sampling='teacher_forcing', smoke=False)
    one_of('config argument cell', arg.cell, CELLS)
    one_of('config argument head', arg.head, HEADS)
    one_of('config argument sampling', arg.sampling, SAMPLINGS)
    steps = 3000
    config = defaults.base()
    config.data = ml_collections.ConfigDict(
        dict(
            name='co2',
            batch_size=32,
            eval_batch_size=256,
            data_dir='',
            train_split='train',
            eval_split='validation',
            context=128,
            horizon=52,
        )
    )
    config.model = ml_collections.ConfigDict(
        dict(
            name='forecaster',
            kwargs=dict(
                backbone=arg.cell,
                head=arg.head,
                channels=64,
                rnn_layers=1,
                difference=True,
                sampling=arg.sampling,
                sampling_max=0.5,
                sampling_ramp=steps,
            ),
        )
    )
    config.task = ml_collections.ConfigDict(dict(name='forecasting', kwargs=dict()))
    config.steps = str(steps)
    config.log_every = '100'
    config.eval_every = '250'
    config.checkpoint.update(every='250', best_metric='eval/mae', best_mode='min')
    config.optim.update(lr=1e-3, weight_decay=1e-4, clip_norm=1.0)
    if arg.smoke:
        config.data.update(name='sunspots', batch_size=16, horizon=4)
        config.model.kwargs.update(channels=8, sampling_ramp=24)
        config.update(steps='24', log_every='1', eval_every='12')
        config.checkpoint.every = '8'
        config.optim.warmup = '4'
    return config
