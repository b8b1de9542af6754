"""Raw-waveform CNN and audio transformer (shapes, receptive fields), receptive fields described
in seconds and Hz, and one-line config errors of the audio tasks."""

import types

import jax
import jax.numpy as jnp
import librosa
import numpy as np
import pytest

from seqlab.config import ConfigError
from seqlab.models.audio_transformer import AudioTransformer
from seqlab.models.spec_cnn import SpecCNN
from seqlab.models.wave_cnn import WaveCNN
from seqlab.models.wavenet import WaveNet
from seqlab.tasks.audio_classification import AudioClassification
from seqlab.tasks.frame_classification import FrameClassification
from seqlab.tasks.mask_estimation import MaskEstimation
from seqlab.tasks.waveform_lm import WaveformLM

WAVE_CNN = WaveCNN(
    3, channels=4, front_kernel=8, front_stride=2, pool=2, dilations=(1, 2), stages=1
)
TRANSFORMER = AudioTransformer(
    3, conv_channels=4, conv_kernels=(4, 3), conv_strides=(2, 2), width=8, heads=2, depth=1
)


def random_params(model, x: jax.Array) -> dict:
    """Parameters drawn with numpy (compiling jax.random's initialisers costs seconds on CPU)."""
    shapes = jax.eval_shape(model.init, jax.random.key(0), x)['params']
    rng = np.random.default_rng(0)
    return jax.tree.map(lambda s: rng.standard_normal(s.shape).astype(np.float32), shapes)


def test_wave_cnn_receptive_field_bounds_what_a_position_sees():
    # front 8 (stride 2), pool 2, stage: convs 3 with dilations 1 and 2, pool 2 (strides 1, 1, 2)
    # r = 1 + 7 + 1*2 + 2*(1 + 2)*4 + 1*4 = 38 samples
    assert WAVE_CNN.receptive_field == 38
    x = jnp.asarray(np.random.default_rng(1).standard_normal((1, 200)), jnp.float32)
    params = random_params(WAVE_CNN, x)
    apply = jax.jit(lambda v: WAVE_CNN.apply({'params': params}, v, method='features'))
    assert apply(x).shape == (1, 200 // 8, 4)
    grad = jax.jit(jax.grad(lambda v: apply(v)[0, 12].sum()))(x)
    support = np.flatnonzero(np.asarray(grad)[0])  # max-pooling may pick a narrower window
    assert 0 < support.max() - support.min() + 1 <= WAVE_CNN.receptive_field
    assert jax.eval_shape(WAVE_CNN.apply, {'params': params}, x).shape == (1, 3)


def test_transformer_tokens_and_the_whole_clip_reach_the_logits():
    assert (
        TRANSFORMER.token_receptive_field == 1 + 3 + 2 * 2 and TRANSFORMER.receptive_field is None
    )
    x = jnp.asarray(np.random.default_rng(2).standard_normal((2, 64)), jnp.float32)
    params = random_params(TRANSFORMER, x)
    assert jax.eval_shape(TRANSFORMER.apply, {'params': params}, x).shape == (2, 3)
    grad = jax.jit(jax.grad(lambda v: TRANSFORMER.apply({'params': params}, v)[0].sum()))(x)
    assert np.all(np.abs(np.asarray(grad[0])).reshape(16, 4).sum(-1) > 0)  # every 4-sample span
    np.testing.assert_array_equal(grad[1], 0)  # clips do not mix


def test_every_audio_model_describes_its_receptive_field_in_seconds_and_hz():
    log_mel = AudioClassification(sample_rate=16_000, n_fft=512, hop_length=160, n_mels=40)
    waveform = AudioClassification(features='waveform', sample_rate=16_000)
    texts = [
        log_mel.describe(SpecCNN(2, channels=(1, 1, 1))),
        FrameClassification().describe(SpecCNN(2, head='frame', channels=(1, 1, 1))),
        MaskEstimation().describe(SpecCNN(1, head='pixel', channels=(1, 1))),
        waveform.describe(WaveCNN(2)),
        waveform.describe(AudioTransformer(2)),
        WaveformLM().describe(WaveNet()),
    ]
    for text in texts:
        assert ' s' in text and 'Hz' in text, text
    edges = librosa.mel_frequencies(n_mels=42, fmin=0.0, fmax=8000.0)  # Slaney, as the front end
    low, high = edges[37] - edges[0], edges[41] - edges[4]  # 36 bands span 38 edges
    assert texts[0] == (
        f'receptive field 36 frames x 36 mel bands = {(35 * 160 + 512) / 16_000:.3f} s x '
        f'{low:,.0f} Hz (lowest bands) to {high:,.0f} Hz (highest bands)'
    )
    assert texts[-1] == 'receptive field 2,047 samples = 0.1279 s (one period of 7.8 Hz)'


def info(**extras) -> types.SimpleNamespace:
    return types.SimpleNamespace(
        name='spoken_keywords', num_classes=20, extras={'sample_rate': 16_000, **extras}
    )


@pytest.mark.parametrize(
    'task, dataset, message',
    [
        (AudioClassification(sample_rate=8000), info(), 'sample_rate=8000 but .* 16000 Hz'),
        (FrameClassification(sample_rate=22_050), info(), 'allowed: 16000'),
        (MaskEstimation(), info(noise=(), noise_eval=False), 'needs noise mixed into every clip'),
        (WaveformLM(sample_rate=8000), info(), 'sample_rate=8000 but the data is at 16000 Hz'),
    ],
)
def test_tasks_refuse_data_they_cannot_use(task, dataset, message):
    with pytest.raises(ConfigError, match=message):
        task.model_kwargs(dataset)


def test_model_checks_are_one_line_config_errors():
    with pytest.raises(ConfigError, match="head='column'.*allowed: clip, frame, pixel"):
        SpecCNN.check({'head': 'column'}, (16_000,))
    with pytest.raises(ConfigError, match='max_dilation=500 must be a power of two'):
        WaveNet.check({'max_dilation': 500}, (16_000,))
    with pytest.raises(ConfigError, match='heads=4 does not divide width=10'):
        AudioTransformer.check({'width': 10}, (16_000,))
    with pytest.raises(ConfigError, match='dilations=\\(\\)'):
        WaveCNN.check({'dilations': ()}, (16_000,))
