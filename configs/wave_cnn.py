"""Raw-waveform CNN on spoken_keywords: strided front end (5 ms kernel, stride 8), residual
dilated 1-D convolutions in two stages, global max over time.

python launch.py --config=configs/wave_cnn.py
python launch.py --config=configs/wave_cnn.py:smoke       # tiny run used by the tests

Model selection on the validation voices; held-out test voices: experiments/keywords_vs_peer.py.
"""

import ml_collections

from seqlab import config_defaults
from seqlab.config import parse_arg


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = parse_arg(arg, smoke=False)
    config = config_defaults.keywords()
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
    config.task = config_defaults.classify_waveforms(config.data.get_ref('sample_rate'))
    config.steps = '4ep'
    config.optim.lr = 3e-3
    if arg.smoke:
        config_defaults.smoke(config, name='spoken_keywords/tiny', batch_size=8, eval_batch_size=8)
        config.model.kwargs.update(channels=8, dilations=(1, 2), stages=1)
    return config
