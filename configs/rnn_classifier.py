"""LSTM / GRU / bidirectional sequence classifiers on MNIST-1D (4,000 generated signals of
length 40, 10 digits; `seqlab/data/builders/mnist1d.py`), with gradient clipping.

The signals are float32 clips of the audio pipeline, so `model=` swaps in the raw-waveform CNN
or the audio transformer on the same data, optimizer and schedule: recurrent, convolutional and
attention models compare on equal terms.

python launch.py --config=configs/rnn_classifier.py                     # LSTM
python launch.py --config=configs/rnn_classifier.py:cell=gru,bidirectional
python launch.py --config=configs/rnn_classifier.py:model=wave_cnn      # or model=audio_transformer
python launch.py --config=configs/rnn_classifier.py:smoke
"""

import ml_collections

from seqlab import config_defaults
from seqlab.config import one_of, parse_arg
from seqlab.layers.recurrent import CELLS
from seqlab.models.rnn import POOLS

COMPARED = {  # the convolutional and attention models, sized for 40-step signals
    'wave_cnn': dict(
        channels=64,
        front_kernel=5,
        front_stride=1,
        pool=2,
        dilations=(1, 2, 4),
        stages=2,
        kernel_size=3,
        dropout=0.1,
    ),
    'audio_transformer': dict(
        conv_channels=64,
        conv_kernels=(5,),
        conv_strides=(2,),
        width=64,
        depth=4,
        heads=4,
        mlp_dim=128,
        dropout=0.1,
    ),
}


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = parse_arg(arg, model='rnn', cell='lstm', bidirectional=False, pool='last', smoke=False)
    one_of('config argument model', arg.model, ('rnn', *COMPARED))
    one_of('config argument cell', arg.cell, CELLS)
    one_of('config argument pool', arg.pool, POOLS)
    config = config_defaults.mnist1d(log_every='100')
    config.model = ml_collections.ConfigDict(
        dict(
            name='rnn',
            kwargs=dict(
                cell=arg.cell,
                hidden_size=128,
                layers=1,
                bidirectional=arg.bidirectional,
                pool=arg.pool,
            ),
        )
    )
    if arg.model in COMPARED:
        config.model = ml_collections.ConfigDict(dict(name=arg.model, kwargs=COMPARED[arg.model]))
    config.optim.clip_norm = 1.0
    if arg.smoke:
        config_defaults.smoke(config, batch_size=32)
        if arg.model == 'rnn':
            config.model.kwargs.hidden_size = 16
    return config
