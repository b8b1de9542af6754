"""Causal CNN on MNIST-1D (4,000 generated signals of length 40, 10 digits), classified from the
last step's output: dilated (1, 2, 4, 8, 16; receptive field 63 samples) or undilated (all 1;
11 samples), with the same parameters either way.

python launch.py --config=configs/causal_cnn.py                  # dilated
python launch.py --config=configs/causal_cnn.py:dilation=none    # undilated
python launch.py --config=configs/causal_cnn.py:smoke
python experiments/dilated_vs_undilated.py --train               # both, test accuracy
"""

import ml_collections

from seqlab import config_defaults
from seqlab.config import one_of, parse_arg

LAYERS = 5
DILATIONS = {
    'exponential': tuple(2**layer for layer in range(LAYERS)),
    'none': (1,) * LAYERS,
}


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = parse_arg(arg, dilation='exponential', smoke=False)
    one_of('config argument dilation', arg.dilation, tuple(DILATIONS))
    config = config_defaults.mnist1d(log_every='200')
    config.model = ml_collections.ConfigDict(
        dict(
            name='causal_cnn',
            kwargs=dict(channels=32, kernel_size=3, dilations=DILATIONS[arg.dilation]),
        )
    )
    if arg.smoke:
        config_defaults.smoke(config, batch_size=32)
        config.model.kwargs.channels = 8
    return config
