"""Causal dilated-convolution forecaster on weekly Mauna Loa CO2, trained with shifted targets.

The model predicts x_{t+1} at every step of a 128-week window (loss over the whole window) and
forecasts further ahead autoregressively (`seqlab.models.forecaster.forecast`).

python launch.py --config=configs/forecast.py                          # teacher forcing
python launch.py --config=configs/forecast.py:sampling=scheduled       # scheduled sampling
python launch.py --config=configs/forecast.py:head=pooled              # x_{T+1} from the pool
python launch.py --config=configs/forecast.py:smoke
python experiments/forecast_vs_peer.py --workdir=runs/forecast         # MAE/RMSE at h = 1, 12, 52
"""

import ml_collections

from seqlab.config import one_of, parse_arg
from seqlab.models.forecaster import HEADS, SAMPLINGS
from seqlab.train import defaults

DATASETS = ('co2', 'sunspots', 'elnino')


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = parse_arg(
        arg, data='co2', head='shifted', sampling='teacher_forcing', difference=True, smoke=False
    )
    one_of('config argument data', arg.data, DATASETS)
    one_of('config argument head', arg.head, HEADS)
    one_of('config argument sampling', arg.sampling, SAMPLINGS)
    config = defaults.base()
    config.data = ml_collections.ConfigDict(
        dict(
            name=arg.data,
            batch_size=32,
            eval_batch_size=256,
            data_dir='',
            train_split='train',
            eval_split='validation',
            context=128,
            horizon=52,
        )
    )
    steps = 600  # validation MAE is best within a few hundred steps; longer runs overfit
    config.model = ml_collections.ConfigDict(
        dict(
            name='forecaster',
            kwargs=dict(
                backbone='conv',
                head=arg.head,
                channels=32,
                kernel_size=2,
                max_dilation=64,
                repeats=1,
                difference=arg.difference,
                sampling=arg.sampling,
                sampling_max=0.5,
                sampling_ramp=steps,
            ),
        )
    )
    config.task = ml_collections.ConfigDict(dict(name='forecasting', kwargs=dict()))
    config.steps = str(steps)
    config.log_every = '100'
    config.eval_every = '50'
    config.checkpoint.update(every='50', best_metric='eval/mae', best_mode='min')
    config.optim.update(lr=1e-3, weight_decay=1e-4, clip_norm=1.0)
    if arg.smoke:  # sunspots: 309 yearly values
        config.data.update(name='sunspots', batch_size=16, horizon=4)
        config.model.kwargs.update(channels=8, max_dilation=8, sampling_ramp=24)
        config.update(steps='24', log_every='1', eval_every='12')
        config.checkpoint.every = '8'
        config.optim.warmup = '4'
    return config
