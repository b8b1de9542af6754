"""Spectrogram CNN heads (shapes, receptive fields by gradient), the frame and mask tasks (targets,
aggregation, exact metrics with padding) and the log-mel front end's physical units."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from seqlab.models.spec_cnn import SpecCNN
from seqlab.tasks.audio_classification import AudioClassification
from seqlab.tasks.frame_classification import FrameClassification, aggregate
from seqlab.tasks.mask_estimation import MaskEstimation

FRONT_END = dict(sample_rate=8000, n_fft=64, hop_length=16, n_mels=12)
SAMPLES = 640  # -> 41 frames


def test_heads_keep_the_axes_they_promise():
    x = jax.ShapeDtypeStruct((2, 7, 11), jnp.float32)
    shapes = {'clip': (2, 5), 'frame': (2, 11, 5), 'pixel': (2, 7, 11, 5)}
    for head, shape in shapes.items():
        model = SpecCNN(5, head=head, channels=(2, 3))
        outputs = jax.eval_shape(lambda v, m=model: m.init_with_output(jax.random.key(0), v)[0], x)
        assert outputs.shape == shape


def random_params(model: SpecCNN, x: jax.Array) -> dict:
    """Parameters drawn with numpy (compiling jax.random's initialisers costs seconds on CPU)."""
    shapes = jax.eval_shape(model.init, jax.random.key(0), x)['params']
    rng = np.random.default_rng(0)
    return jax.tree.map(lambda s: rng.standard_normal(s.shape).astype(np.float32), shapes)


def gradient_support(model: SpecCNN, x: jax.Array, index: tuple) -> tuple[np.ndarray, np.ndarray]:
    """(bands, frames) of the input the output at `index` depends on."""
    params = random_params(model, x)
    grad = jax.jit(jax.grad(lambda v: model.apply({'params': params}, v)[index].sum()))(x)
    nonzero = np.abs(np.asarray(grad[0])) > 0
    return np.flatnonzero(nonzero.any(1)), np.flatnonzero(nonzero.any(0))


def test_pixel_receptive_field_is_the_gradient_support():
    model = SpecCNN(1, head='pixel', channels=(4, 4))
    frames, bands = model.receptive_field
    assert (frames, bands) == (1 + 2 * 2 * (1 + 2),) * 2
    x = np.random.default_rng(1).standard_normal((1, 31, 31)).astype(np.float32)
    rows, cols = gradient_support(model, x, (0, 15, 15))
    assert (rows.min(), rows.max()) == (15 - bands // 2, 15 + bands // 2)
    assert (cols.min(), cols.max()) == (15 - frames // 2, 15 + frames // 2)


def test_frame_head_sees_its_time_receptive_field_and_every_band():
    model = SpecCNN(3, head='frame', channels=(4, 4))
    frames, bands = model.receptive_field
    assert frames == 1 + 2 * 2 * (1 + 2)
    x = np.random.default_rng(2).standard_normal((1, 8, 61)).astype(np.float32)
    rows, cols = gradient_support(model, x, (0, 30))
    assert (cols.min(), cols.max()) == (30 - frames // 2, 30 + frames // 2)
    np.testing.assert_array_equal(rows, np.arange(8))


def test_clip_head_receptive_field_counts_the_pools():
    # per axis: (conv 3, conv 3, pool 2) x 3 -> 1 + 4 + 1 + 2 (4 + 1) + 4 (4 + 1) = 36
    assert SpecCNN(2, head='clip', channels=(1, 1, 1)).receptive_field == (36, 36)


def test_log_mel_is_standardised_per_clip_and_describes_seconds_and_hz():
    front_end = AudioClassification(**FRONT_END)
    noise = np.random.default_rng(0).standard_normal((1, SAMPLES)).astype(np.float32)
    audio = noise * np.array([[1.0], [10.0], [0.1]], np.float32)
    features = jax.jit(front_end.log_mel)(audio)
    assert features.shape == (3, 12, 1 + SAMPLES // 16)
    np.testing.assert_allclose(features.mean((1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(features.std((1, 2)), 1, atol=1e-3)
    np.testing.assert_allclose(features[0], features[1], atol=1e-3)  # gain drops out
    text = front_end.describe_field(frames=11, bands=12)
    assert f'{(10 * 16 + 64) / 8000:.3f} s' in text and '4,000 Hz (lowest bands)' in text


def test_frame_average_weights_samples_by_the_window():
    front_end = AudioClassification(**FRONT_END)
    voice = jnp.zeros((1, SAMPLES)).at[:, 320:].set(1.0)
    average = front_end.frame_average(voice)[0]
    assert average.shape == (1 + SAMPLES // 16,)
    np.testing.assert_allclose(average[20], 0.5, atol=0.05)  # frame 20 is centred on sample 320
    assert average[:17].max() == 0 and average[24:-2].min() == 1


def keyword_batch(voice_from: int = 320) -> dict:
    clips = 3
    return {
        'audio': jnp.zeros((clips, SAMPLES)),
        'voice': jnp.zeros((clips, SAMPLES)).at[:, voice_from:].set(1.0),
        'sample_mask': jnp.ones((clips, SAMPLES)),
        'label': jnp.array([0, 1, 2]),
        'mask': jnp.array([1.0, 1.0, 0.0]),
    }


def test_frame_targets_are_the_keyword_on_voiced_frames_else_non_speech():
    task = FrameClassification(**FRONT_END)
    batch = keyword_batch()
    frames = 1 + SAMPLES // 16
    speech = np.arange(frames) >= 20  # window-weighted voice >= 1/2 from frame 20
    perfect = np.where(speech[None, :], np.array([0, 1, 2])[:, None], 3)
    logits = 20.0 * jax.nn.one_hot(perfect, 4)
    loss = jax.jit(task.loss)
    _, metrics = loss(logits, batch)
    counted_frames = 2 * (frames - 1)  # two real clips; the last frame is centred past the end
    for name in ('frame_accuracy', 'vad_accuracy'):
        assert metrics[name][0] == metrics[name][1] == counted_frames
    assert metrics['accuracy'] == metrics['vote_accuracy'] == (2, 2)
    garbage = logits.at[2].set(np.random.default_rng(3).standard_normal(logits.shape[1:]))
    changed = loss(garbage, batch)[1]
    jax.tree.map(np.testing.assert_array_equal, changed, metrics)  # padding never counts


def test_mean_log_probability_and_vote_can_disagree():
    # Three speech frames: two lean to keyword 0 a little, one is sure of keyword 1.
    probs = jnp.array([[[0.5, 0.4, 0.1], [0.5, 0.4, 0.1], [0.01, 0.98, 0.01]]])
    mean, vote = jax.jit(aggregate)(jnp.log(probs), jnp.ones((1, 3)))
    assert (int(mean[0]), int(vote[0])) == (1, 0)


def test_aggregation_uses_only_frames_called_speech():
    # keywords 0, 1 and non-speech 2: the non-speech frames lean to keyword 1 but do not count
    logits = jnp.log(jnp.array([[[0.6, 0.3, 0.1], [0.1, 0.3, 0.6], [0.1, 0.3, 0.6]]]))
    assert [int(c[0]) for c in jax.jit(aggregate)(logits, jnp.ones((1, 3)))] == [0, 0]


def tone(hz: float, samples: int = SAMPLES, rate: int = 8000) -> jax.Array:
    return jnp.sin(2 * jnp.pi * hz * jnp.arange(samples) / rate)


def test_ideal_binary_mask_follows_the_louder_source_per_band():
    task = MaskEstimation(**FRONT_END)
    clean, noise = tone(500.0), tone(3000.0)
    batch = {'clean': clean[None], 'audio': (clean + noise)[None]}
    ideal_binary_mask = jax.jit(task.ideal_binary_mask)
    mask = np.asarray(ideal_binary_mask(batch)[0])  # [bands, frames]
    edges = task.band_edges_hz()
    centres = edges[1:-1]
    assert mask[np.argmin(abs(centres - 500)), 5:-5].all()
    assert not mask[np.argmin(abs(centres - 3000)), 5:-5].any()
    silent = {'clean': jnp.zeros((1, SAMPLES)), 'audio': noise[None]}
    assert not ideal_binary_mask(silent).any()


def test_mask_metrics_are_exact_counts():
    task = MaskEstimation(**FRONT_END)
    batch = {
        'clean': tone(500.0)[None].repeat(2, 0),
        'audio': (tone(500.0) + tone(3000.0))[None].repeat(2, 0),
        'sample_mask': jnp.ones((2, SAMPLES)),
        'mask': jnp.array([1.0, 0.0]),
    }
    target = jax.jit(task.ideal_binary_mask)(batch)
    logits = jnp.where(target, 5.0, -5.0)[..., None]
    loss = jax.jit(task.loss)
    _, metrics = loss(logits, batch)
    bins = 12 * (SAMPLES // 16)  # one real clip, frames centred inside it
    assert metrics['pixel_accuracy'] == (bins, bins)
    assert metrics['f1'][0] == metrics['f1'][1] > 0
    flipped = loss(-logits, batch)[1]
    assert flipped['pixel_accuracy'][0] == 0 and flipped['f1'][0] == 0


def test_audio_classification_describes_its_model():
    task = AudioClassification(**FRONT_END)
    text = task.describe(SpecCNN(2, channels=(1, 1, 1)))
    assert text.startswith('receptive field 36 frames x 12 mel bands')
    with pytest.raises(ValueError, match="features='mfcc'"):
        AudioClassification(features='mfcc')
