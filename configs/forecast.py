"""Causal dilated-convolution forecaster on weekly Mauna Loa CO2, trained with shifted targets.

The model predicts x_{t+1} at every step of a 128-week window (loss over the whole window) and
forecasts further ahead autoregressively (`seqlab.models.forecaster.forecast`).

python launch.py --config=configs/forecast.py                          # teacher forcing
python launch.py --config=configs/forecast.py:sampling=scheduled       # scheduled sampling
python launch.py --config=configs/forecast.py:head=pooled              # x_{T+1} from the pool
python launch.py --config=configs/forecast.py:smoke
python experiments/forecast_vs_peer.py --train      # MAE/RMSE at h = 1, 12, 52, 3 seeds, vs peers
"""

import ml_collections

from seqlab import config_defaults
from seqlab.config import one_of, parse_arg
from seqlab.models.forecaster import HEADS, SAMPLINGS

DATASETS = ('co2', 'sunspots', 'elnino')


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = parse_arg(
        arg, data='co2', head='shifted', sampling='teacher_forcing', difference=True, smoke=False
    )
    one_of('config argument data', arg.data, DATASETS)
    one_of('config argument head', arg.head, HEADS)
    one_of('config argument sampling', arg.sampling, SAMPLINGS)
    config = config_defaults.forecasting(
        arg.data,
        'conv',
        dict(channels=32, kernel_size=2, max_dilation=64, repeats=1),
        head=arg.head,
        sampling=arg.sampling,
        difference=arg.difference,
        steps=600,  # validation MAE is best within a few hundred steps; longer runs overfit
        every=50,
    )
    if arg.smoke:  # sunspots: 309 yearly values
        config_defaults.forecasting_smoke(config)
        config.model.kwargs.max_dilation = 8
    return config
