"""Audio transformer on spoken_keywords: a convolutional feature encoder over the waveform (one
token per 10 ms), a pre-LN transformer encoder and a class-token classifier.

python launch.py --config=configs/audio_transformer.py
python launch.py --config=configs/audio_transformer.py:smoke    # tiny run used by the tests

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
    config.task = ml_collections.ConfigDict(
        dict(
            name='audio_classification',
            kwargs=dict(features='waveform', sample_rate=config.data.get_ref('sample_rate')),
        )
    )
    config.steps = '4ep'
    config.optim.lr = 1e-3
    if arg.smoke:
        data = config.data
        config = defaults.smoke(config)
        config.data = data
        config.data.update(name='spoken_keywords/tiny', batch_size=8, eval_batch_size=8)
        config.model.kwargs.update(conv_channels=8, width=16, depth=1, heads=2, mlp_dim=32)
    return config
