"""Raw-waveform CNN on spoken_keywords: strided front end (5 ms kernel, stride 8), residual
dilated 1-D convolutions in two stages, global max over time.

python launch.py --config=configs/wave_cnn.py
python launch.py --config=configs/wave_cnn.py:smoke       # tiny run used by the tests

Model selection on the validation voices; held-out test voices: experiments/keywords_vs_peer.py.
"""

import ml_collections

from seqlab.config import parse_arg
from seqlab.data import audio_splits
from seqlab.train import defaults


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = parse_arg(arg, smoke=False)
    config = defaults.base()
    config.data = audio_splits.default_config('spoken_keywords', batch_size=32)
    config.data.noise = ('white', 'pink', 'brown')
    config.data.snr_db = (5.0, 30.0)
    config.model = ml_collections.ConfigDict(
        dict(
            name='wave_cnn',
            kwargs=dict(
                channels=48,
                front_kernel=80,
                front_stride=8,
                pool=4,
                dilations=(1, 2, 4, 8),
                stages=2,
                kernel_size=3,
                dropout=0.1,
            ),
        )
    )
    config.task = ml_collections.ConfigDict(
        dict(
            name='audio_classification',
            kwargs=dict(features='waveform', sample_rate=config.data.get_ref('sample_rate')),
        )
    )
    config.steps = '4ep'
    config.optim.lr = 3e-3
    if arg.smoke:
        data = config.data
        config = defaults.smoke(config)
        config.data = data
        config.data.update(name='spoken_keywords/tiny', batch_size=8, eval_batch_size=8)
        config.model.kwargs.update(channels=8, dilations=(1, 2), stages=1)
    return config
