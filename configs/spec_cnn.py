"""2-D CNN on log-mel spectrograms of spoken_keywords (computed in JAX in the step), three heads.

python launch.py --config=configs/spec_cnn.py               # clip head: the keyword of each clip
python launch.py --config=configs/spec_cnn.py:head=frame    # per frame: keyword or non-speech (voice
                                                            #   activity of the clean clip); clip
                                                            #   label by mean log-prob and by vote
python launch.py --config=configs/spec_cnn.py:head=pixel    # per bin: ideal binary mask of speech
                                                            #   in mixed-in noise
python launch.py --config=configs/spec_cnn.py:smoke         # tiny run used by the tests

Model selection on the validation voices; held-out test voices: experiments/keywords_vs_peer.py.
"""

import ml_collections

from seqlab import config_defaults
from seqlab.config import one_of, parse_arg

FEATURES = dict(n_fft=512, hop_length=160, n_mels=40)  # 32 ms, 10 ms, 40 mels at 16 kHz
# head: (task, metric that picks the best checkpoint, channels, steps). The frame and pixel heads
# keep more resolution, so they get fewer channels (and the frame head fewer epochs) on CPU.
HEADS = {
    'clip': ('audio_classification', 'eval/accuracy', (16, 32, 64), '4ep'),
    'frame': ('frame_classification', 'eval/accuracy', (16, 32, 32), '3ep'),
    'pixel': ('mask_estimation', 'eval/f1', (8, 16, 16), '3ep'),
}


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = parse_arg(arg, head='clip', smoke=False)
    one_of('config argument head', arg.head, HEADS)
    task, best_metric, channels, steps = HEADS[arg.head]
    config = config_defaults.keywords()
    if arg.head == 'pixel':
        config.data.snr_db = (-5.0, 10.0)
        config.data.noise_eval = True
    config.model = ml_collections.ConfigDict(
        dict(
            name='spec_cnn',
            kwargs=dict(head=arg.head, channels=channels, kernel_size=3, dropout=0.1),
        )
    )
    config.task = ml_collections.ConfigDict(
        dict(name=task, kwargs=dict(FEATURES, sample_rate=config.data.get_ref('sample_rate')))
    )
    config.steps = steps
    config.optim.lr = 3e-3
    config.optim.weight_decay = 1e-4
    config.checkpoint.best_metric = best_metric
    if arg.smoke:
        config_defaults.smoke(config, name='spoken_keywords/tiny', batch_size=8, eval_batch_size=8)
        config.model.kwargs.channels = (4, 8)
    return config
