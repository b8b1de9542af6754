"""WaveNet on spoken_keywords: µ-law 256 levels, dilations 1..512 in 2 stacks (receptive field 2,047
samples = 0.128 s), gated units, residual and skip connections, conditioned on the keyword;
next-sample cross-entropy with teacher forcing on random 0.5 s crops.

python launch.py --config=configs/wavenet.py                       # train
python launch.py --config=configs/wavenet.py --mode=generate       # WAVs of config.generate.words
python launch.py --config=configs/wavenet.py:conditional=false     # unconditional
python launch.py --config=configs/wavenet.py:smoke                 # tiny run used by the tests
"""

import ml_collections

from seqlab import config_defaults
from seqlab.config import parse_arg


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = parse_arg(arg, conditional=True, smoke=False)
    config = config_defaults.base()
    config.data = config_defaults.audio_data('spoken_keywords', batch_size=8, length=8000)
    config.data.eval_batch_size = 40
    config.model = ml_collections.ConfigDict(
        dict(
            name='wavenet',
            kwargs=dict(channels=32, skip_channels=64, kernel_size=2, max_dilation=512, stacks=2),
        )
    )
    config.task = ml_collections.ConfigDict(
        dict(name='waveform_lm', kwargs=dict(levels=256, conditional=arg.conditional))
    )
    config.steps = '2ep'
    config.optim.lr = 1e-3
    config.checkpoint.best_metric = 'eval/loss'
    config.checkpoint.best_mode = 'min'
    config.generate = ml_collections.ConfigDict(
        dict(seconds=1.0, temperature=1.0, seed=0, words=('yes', 'no', 'up', 'down'), clips=4)
    )
    if arg.smoke:
        config_defaults.smoke(
            config, name='spoken_keywords/tiny', batch_size=4, eval_batch_size=4, length=1024
        )
        config.model.kwargs.update(channels=4, skip_channels=8, max_dilation=8, stacks=1)
        config.generate.seconds = 0.01
    return config
