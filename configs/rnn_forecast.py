"""LSTM / GRU forecaster on weekly Mauna Loa CO2: the recurrent baseline of configs/forecast.py.

Same data, shifted targets, heads and sampling options as the convolutional forecaster; a
recurrence replaces the dilated stack. Gradients are clipped to global norm 1.

python launch.py --config=configs/rnn_forecast.py                      # LSTM
python launch.py --config=configs/rnn_forecast.py:cell=gru,sampling=scheduled
python launch.py --config=configs/rnn_forecast.py:smoke
"""

import ml_collections

from seqlab import config_defaults
from seqlab.config import one_of, parse_arg
from seqlab.models.forecaster import HEADS, SAMPLINGS

CELLS = ('lstm', 'gru')


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = parse_arg(arg, cell='lstm', head='shifted', sampling='teacher_forcing', smoke=False)
    one_of('config argument cell', arg.cell, CELLS)
    one_of('config argument head', arg.head, HEADS)
    one_of('config argument sampling', arg.sampling, SAMPLINGS)
    config = config_defaults.forecasting(
        'co2',
        arg.cell,
        dict(channels=64, rnn_layers=1),
        head=arg.head,
        sampling=arg.sampling,
        difference=True,
        steps=3000,
        every=250,
    )
    if arg.smoke:
        config_defaults.forecasting_smoke(config)
    return config
