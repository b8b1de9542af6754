"""Next-sample prediction on µ-law quantised waveforms (WaveNet), with teacher forcing:

    q = mu_law_encode(audio, levels)          [B, T] int in 0..levels-1
    loss = Σ_{b, t<T-1} m_bt CE(softmax(logits[b, t]), q[b, t+1]) / Σ m_bt

logits[b, t] (the model sees q[b, <= t], and the clip's label when conditional) predicts q[b, t+1];
m keeps real clips and samples inside them. Metrics: loss (nats per sample), accuracy.
generate() samples clips with the WaveNet's per-layer queues (--mode=generate) and writes WAVs.
"""

import dataclasses
import os
from typing import Any

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax

from seqlab.config import ConfigError
from seqlab.data import audio_io
from seqlab.layers.mu_law import mu_law_decode, mu_law_encode
from seqlab.models.wavenet_sampling import fast_sampler
from seqlab.tasks.audio_task import AudioTask


@dataclasses.dataclass(frozen=True)
class WaveformLM(AudioTask):
    levels: int = 256
    conditional: bool = False

    def model_kwargs(self, info: Any) -> dict:
        self.check_sample_rate(info)
        if self.conditional and info.num_classes < 1:
            raise ConfigError(f'conditional=True but dataset {info.name!r} has no labels')
        return {'levels': self.levels, 'num_labels': info.num_classes if self.conditional else 0}

    def tokens(self, batch: dict) -> jax.Array:
        return mu_law_encode(batch['audio'], self.levels)

    def inputs(self, batch: dict) -> tuple:
        return self.tokens(batch), batch['label']

    def loss(self, logits: jax.Array, batch: dict) -> tuple[jax.Array, dict]:
        """logits [B, T, levels] -> (mean next-sample cross-entropy, {'loss', 'accuracy'})."""
        targets = self.tokens(batch)[:, 1:]
        logits = logits[:, :-1].astype(jnp.float32)
        weights = batch['sample_mask'][:, 1:] * batch['mask'][:, None]
        per_sample = optax.softmax_cross_entropy_with_integer_labels(logits, targets)
        count = weights.sum()
        metrics = {
            'loss': ((per_sample * weights).sum(), count),
            'accuracy': (((logits.argmax(-1) == targets) * weights).sum(), count),
        }
        return metrics['loss'][0] / jnp.maximum(count, 1.0), metrics

    def predict(self, logits: jax.Array) -> dict:
        return {'next_sample': logits.argmax(-1)}

    def describe(self, model: Any) -> str:
        return self.describe_samples(model.receptive_field)

    def generate(
        self,
        model: Any,
        params: Any,
        options: ml_collections.ConfigDict,
        info: Any,
        directory: str,
    ) -> str:
        """Writes one WAV of options.seconds per clip into `directory` and returns it.

        options: seconds, temperature, seed, words (one clip per keyword for a conditional model)
        and clips (how many clips an unconditional model writes).
        """
        labels, names = clip_labels(options, model.num_labels, info.extras.get('class_names', ()))
        sample = fast_sampler(model, round(options.seconds * self.sample_rate), options.temperature)
        tokens = sample(params, labels, jax.random.key(options.seed))
        waveforms = np.asarray(mu_law_decode(tokens, model.levels))
        for name, waveform in zip(names, waveforms, strict=True):
            audio_io.write_wav(os.path.join(directory, f'{name}.wav'), waveform, self.sample_rate)
        return directory


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
