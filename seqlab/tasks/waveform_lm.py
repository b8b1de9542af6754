"""Next-sample prediction on µ-law quantised waveforms (WaveNet), with teacher forcing:

    q = mu_law_encode(audio, levels)          [B, T] int in 0..levels-1
    loss = Σ_{b, t<T-1} m_bt CE(softmax(logits[b, t]), q[b, t+1]) / Σ m_bt

logits[b, t] (the model sees q[b, <= t], and the clip's label when conditional) predicts q[b, t+1];
m keeps real clips and samples inside them. Metrics: loss (nats per sample), accuracy.
"""

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import optax

from seqlab.config import ConfigError
from seqlab.data import audio
from seqlab.tasks.audio_features import describe_samples


@dataclasses.dataclass(frozen=True)
class WaveformLM:
    levels: int = 256
    conditional: bool = False
    sample_rate: int = 16_000

    def model_kwargs(self, info: Any) -> dict:
        if info.extras.get('sample_rate') != self.sample_rate:
            raise ConfigError(
                f'config.task.kwargs.sample_rate={self.sample_rate} but the data is at '
                f'{info.extras.get("sample_rate")} Hz; allowed: {info.extras.get("sample_rate")}'
            )
        if self.conditional and info.num_classes < 1:
            raise ConfigError(f'conditional=True but dataset {info.name!r} has no labels')
        return {'levels': self.levels, 'num_labels': info.num_classes if self.conditional else 0}

    def tokens(self, batch: dict) -> jax.Array:
        return audio.mu_law_encode(batch['audio'], self.levels)

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
        return describe_samples(model.receptive_field, self.sample_rate)
