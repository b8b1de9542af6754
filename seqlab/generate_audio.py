"""--mode=generate: sample clips from a trained WaveNet (fast, cached sampling) into 16-bit WAV files.

  python launch.py --config=configs/wavenet.py --mode=generate   # <workdir>/generated_<step>/*.wav

config.generate: seconds (per clip), temperature, seed, words (one clip per keyword, for a model
conditioned on the label) and clips (how many clips an unconditional model writes).
"""

import os
import wave

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from seqlab.config import ConfigError
from seqlab.data import audio, audio_io
from seqlab.models.wavenet_sampling import fast_sampler
from seqlab.train import loop


def write_wav(path: str, samples: np.ndarray, sample_rate: int) -> None:
    """Mono 16-bit PCM WAV of float samples in [-1, 1]."""
    with wave.open(path, 'wb') as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(
            audio_io.to_int16(samples * audio_io.INT16_SCALE).astype('<i2').tobytes()
        )


def clip_labels(options: ml_collections.ConfigDict, num_labels: int, class_names: tuple) -> tuple:
    """(labels [clips] int32, file name stem per clip) for a conditional or unconditional model."""
    if not num_labels:
        return jnp.zeros(options.clips, jnp.int32), [f'{i:02d}' for i in range(options.clips)]
    unknown = [word for word in options.words if word not in class_names]
    if unknown or not options.words:
        raise ConfigError(
            f'config.generate.words={tuple(options.words)!r}: {unknown or "empty"}; allowed: '
            f'{", ".join(class_names)}'
        )
    labels = jnp.array([class_names.index(word) for word in options.words], jnp.int32)
    return labels, [f'{i:02d}_{word}' for i, word in enumerate(options.words)]


def generate(
    config: ml_collections.ConfigDict, workdir: str, checkpoint_step: int | None = None
) -> str:
    """Writes one WAV per clip under <workdir>/generated_<step>/ and returns that directory."""
    if 'generate' not in config:
        raise ConfigError('--mode=generate needs a config.generate group (see configs/wavenet.py)')
    run = loop.Run(config, workdir, mode='eval')
    model, info = run.plan.model, run.plan.splits.info
    if not hasattr(model, 'step'):
        raise ConfigError(
            f'--mode=generate needs an autoregressive waveform model such as wavenet; '
            f'config.model.name={config.model.name!r}'
        )
    options = config.generate
    labels, names = clip_labels(options, model.num_labels, info.extras.get('class_names', ()))
    sample_rate = info.extras['sample_rate']
    params, step = run.restore_params(checkpoint_step)
    sample = fast_sampler(model, round(options.seconds * sample_rate), options.temperature)
    tokens = sample(params, labels, jax.random.key(options.seed))
    waveforms = np.asarray(audio.mu_law_decode(tokens, model.levels))
    directory = os.path.join(workdir, f'generated_{step}')
    os.makedirs(directory, exist_ok=True)
    for name, waveform in zip(names, waveforms, strict=True):
        write_wav(os.path.join(directory, f'{name}.wav'), waveform, sample_rate)
    return directory
