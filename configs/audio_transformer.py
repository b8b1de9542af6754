"""Audio transformer on spoken_keywords: a convolutional feature encoder over the waveform (one
token per 10 ms), a pre-LN transformer encoder and a class-token classifier.

python launch.py --config=configs/audio_transformer.py
python launch.py --config=configs/audio_transformer.py:smoke    # tiny run used by the tests

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
            name='audio_transformer',
            kwargs=dict(
                conv_channels=64,
                conv_kernels=(10, 3, 3, 3),
                conv_strides=(5, 4, 4, 2),
                width=64,
                depth=4,
                heads=4,
                mlp_dim=128,
                dropout=0.1,
                scan=True,
                remat='none',
                dtype='float32',
            ),
        )
    )
    config.task = config_defaults.classify_waveforms(config.data.get_ref('sample_rate'))
    config.steps = '4ep'
    config.optim.lr = 1e-3
    if arg.smoke:
        config_defaults.smoke(config, name='spoken_keywords/tiny', batch_size=8, eval_batch_size=8)
        config.model.kwargs.update(conv_channels=8, width=16, depth=1, heads=2, mlp_dim=32)
    return config
