"""The MNIST-1D builder: the package's generated signals, split 3,600 / 400 / 1,000, read by the
audio pipeline unchanged."""

import numpy as np

from seqlab import config_defaults, data
from seqlab.data.builders import mnist1d


def test_splits_hold_the_generated_signals_and_feed_the_audio_pipeline():
    generated = mnist1d.load()
    assert {name: len(labels) for name, (_, labels) in generated.items()} == {
        'train': 3600,
        'validation': 400,
        'test': 1000,
    }
    config = config_defaults.audio_data('mnist1d', batch_size=16, length=mnist1d.LENGTH)
    config.update(sample_rate=mnist1d.SAMPLE_RATE, eval_batch_size=1000, eval_split='test')
    splits = data.get(config, seed=0)
    assert (splits.info.num_classes, splits.info.input_shape) == (10, (40,))
    batch = splits.eval[0]
    signals, labels = generated['test']
    order = batch['id']  # the source id: the signal's index in the generated test set
    stored = {int(i): (a, y) for i, a, y in zip(order, batch['audio'], batch['label'], strict=True)}
    for index in (0, 17, 999):
        audio, label = stored[index]
        np.testing.assert_array_equal(audio, signals[index])
        assert label == labels[index]
