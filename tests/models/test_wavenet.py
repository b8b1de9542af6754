"""WaveNet: causality and receptive field by Jacobian, cached steps equal to the full pass, fast
sampling equal to naive sampling, the next-sample loss, and --mode=generate writing WAVs."""

import os
import wave

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from seqlab import launcher
from seqlab.config import ConfigError
from seqlab.layers.mu_law import mu_law_encode
from seqlab.models import wavenet_sampling
from seqlab.models.wavenet import WaveNet
from seqlab.tasks.waveform_lm import WaveformLM
from seqlab.train import loop
from tests.conftest import REPO

# kernel 3 and two stacks: every queue slot and the lag arithmetic are exercised.
MODEL = WaveNet(
    levels=16, num_labels=3, channels=4, skip_channels=8, kernel_size=3, max_dilation=4, stacks=2
)
LABELS = jnp.array([0, 2])


def random_params(model: WaveNet, length: int = 8) -> dict:
    """Parameters drawn with numpy (compiling jax.random's initialisers costs seconds on CPU)."""
    tokens = jnp.zeros((LABELS.shape[0], length), jnp.int32)
    shapes = jax.eval_shape(model.init, jax.random.key(0), tokens, LABELS)['params']
    rng = np.random.default_rng(0)
    return jax.tree.map(lambda s: 0.5 * rng.standard_normal(s.shape).astype(np.float32), shapes)


PARAMS = random_params(MODEL)


def test_receptive_field_is_one_plus_k_minus_one_times_the_dilations():
    assert MODEL.receptive_field == 1 + 2 * 2 * (1 + 2 + 4)
    assert WaveNet().receptive_field == 1 + 2 * 1023  # the config: 1..512, two stacks


def test_logits_depend_on_exactly_the_receptive_field_of_the_past():
    length, window = 40, MODEL.receptive_field
    h = jnp.asarray(np.random.default_rng(1).standard_normal((1, length, 4)), jnp.float32)

    def logits(h):
        return MODEL.apply({'params': PARAMS}, h, LABELS[:1], method='network')[0]

    jacobian = jax.jit(jax.jacrev(logits))(h)  # [T, levels, 1, T, C]
    depends = np.abs(np.asarray(jacobian)).sum(axis=(1, 2, 4)) > 0  # [t, s]
    t, s = np.indices(depends.shape)
    np.testing.assert_array_equal(depends, (s <= t) & (s > t - window))


def test_cached_steps_equal_the_teacher_forced_pass():
    tokens = jnp.asarray(np.random.default_rng(2).integers(0, 16, (2, 50)), jnp.int32)
    full = MODEL.apply({'params': PARAMS}, tokens, LABELS)

    def step(cache, token):
        logits, cache = MODEL.apply({'params': PARAMS}, token, LABELS, cache, method='step')
        return cache, logits

    _, stepped = jax.jit(lambda: jax.lax.scan(step, MODEL.cache(2), tokens.T))()
    np.testing.assert_allclose(jnp.swapaxes(stepped, 0, 1), full, rtol=1e-5, atol=1e-5)


def test_fast_sampling_draws_the_same_samples_as_naive_sampling():
    samples = 3 * MODEL.receptive_field  # the naive window slides past the start
    fast = wavenet_sampling.fast_sampler(MODEL, samples)(PARAMS, LABELS, jax.random.key(3))
    naive = wavenet_sampling.naive_sampler(MODEL, samples)(PARAMS, LABELS, jax.random.key(3))
    assert fast.shape == (2, samples) and len(np.unique(fast)) > 3
    np.testing.assert_array_equal(fast, naive)


def test_next_sample_loss_aligns_logits_t_with_sample_t_plus_one():
    task = WaveformLM(levels=16, conditional=True, sample_rate=8000)
    audio_batch = jnp.asarray(np.random.default_rng(4).uniform(-1, 1, (2, 30)), jnp.float32)
    sample_mask = jnp.ones((2, 30)).at[0, 20:].set(0.0)
    batch = {'audio': audio_batch, 'sample_mask': sample_mask, 'mask': jnp.array([1.0, 0.0])}
    tokens = mu_law_encode(audio_batch, 16)
    right = 30.0 * jax.nn.one_hot(jnp.roll(tokens, -1, axis=1), 16)  # logits[t] -> q[t+1]
    loss, metrics = jax.jit(task.loss)(right, batch)
    assert metrics['accuracy'] == (19, 19)  # clip 0 up to its 20 real samples; clip 1 is padding
    assert float(loss) < 1e-6
    wrong = 30.0 * jax.nn.one_hot(tokens, 16)  # predicts the current sample
    assert jax.jit(task.loss)(wrong, batch)[1]['accuracy'][0] < 19


@pytest.fixture(scope='module')
def checkpointed(data_dir, tmp_path_factory):
    """An initialised (untrained) smoke WaveNet saved as the checkpoint of step 0."""
    config = launcher.load_config(os.path.join(REPO, 'configs', 'wavenet.py:smoke'), {})
    workdir = str(tmp_path_factory.mktemp('wavenet'))
    run = loop.Run(config, workdir)
    checkpointer = run.checkpointer()
    checkpointer.save(0, run.initial_state(), iter(run.plan.splits.train).get_state())
    checkpointer.wait()
    checkpointer.close()
    return config, workdir


def test_generate_writes_one_playable_wav_per_word(checkpointed):
    config, workdir = checkpointed
    directory = loop.generate(config, workdir)
    names = sorted(os.listdir(directory))
    assert names == [f'{i:02d}_{w}.wav' for i, w in enumerate(config.generate.words)]
    with wave.open(os.path.join(directory, names[0])) as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (
            1,
            2,
            16000,
        )
        assert reader.getnframes() == round(config.generate.seconds * 16000)


def test_generate_refuses_unknown_words(checkpointed):
    config, workdir = checkpointed
    config = config.copy_and_resolve_references()
    config.generate.words = ('yes', 'banana')
    with pytest.raises(ConfigError, match=r"\['banana'\]; allowed: zero, one"):
        loop.generate(config, workdir)
