"""Causal CNN on MNIST-1D (4,000 generated signals of length 40, 10 digits), classified from the
last step's output: dilated (1, 2, 4, 8, 16; receptive field 63 samples) or undilated (all 1;
11 samples), with the same parameters either way.

python launch.py --config=configs/causal_cnn.py                  # dilated
python launch.py --config=configs/causal_cnn.py:dilation=none    # undilated
python launch.py --config=configs/causal_cnn.py:smoke
python experiments/dilated_vs_undilated.py --train               # both, test accuracy
"""

import ml_collections

from seqlab.config import one_of, parse_arg
from seqlab.data.audio_splits import default_config
from seqlab.train import defaults

SAMPLE_RATE = LENGTH = 40  # one MNIST-1D signal: 40 steps at a nominal 40 "Hz"
LAYERS = 5
DILATIONS = {
    'exponential': tuple(2**layer for layer in range(LAYERS)),
    'none': (1,) * LAYERS,
}


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = parse_arg(arg, dilation='exponential', smoke=False)
    one_of('config argument dilation', arg.dilation, tuple(DILATIONS))
    config = defaults.base()
    config.data = default_config('mnist1d', batch_size=64, length=LENGTH)
    config.data.update(sample_rate=SAMPLE_RATE, eval_batch_size=500)
    config.model = ml_collections.ConfigDict(
        dict(
            name='causal_cnn',
            kwargs=dict(channels=32, kernel_size=3, dilations=DILATIONS[arg.dilation]),
        )
    )
    config.task = ml_collections.ConfigDict(
        dict(
            name='audio_classification',
            kwargs=dict(features='waveform', sample_rate=SAMPLE_RATE),
        )
    )
    config.steps = '60ep'
    config.log_every = '200'
    config.eval_every = '5ep'
    config.checkpoint.update(every='5ep', best_metric='eval/accuracy', best_mode='max')
    config.optim.update(lr=3e-3, weight_decay=1e-4)
    if arg.smoke:
        config.data.batch_size = 32
        config.model.kwargs.channels = 8
        config.update(steps='24', log_every='1', eval_every='12')
        config.checkpoint.every = '8'
        config.optim.warmup = '4'
    return config
