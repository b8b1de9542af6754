"""Speech-presence mask estimation: per time-frequency bin of the noisy log-mel spectrogram,
is the speech louder than the noise? The target is the ideal binary mask (IBM) of mask-based
source separation, from the clean clip and the noise mixed into it (noise = audio - clean):

    IBM[f, t] = [M_clean[f, t] > M_noise[f, t]]   (local SNR above 0 dB; M the mel power)
    loss = Σ m BCE(sigmoid(logit), IBM) / Σ m   over the bins of real frames of real clips

Metrics: loss, pixel_accuracy, f1 = 2 TP / (2 TP + FP + FN) over all bins of the split.
"""

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import optax

from seqlab.config import ConfigError
from seqlab.tasks.audio_task import LogMelTask


@dataclasses.dataclass(frozen=True)
class MaskEstimation(LogMelTask):
    def model_kwargs(self, info: Any) -> dict:
        self.check_sample_rate(info)
        if not (info.extras.get('noise') and info.extras.get('noise_eval')):
            raise ConfigError(
                'task mask_estimation needs noise mixed into every clip; set config.data.noise '
                "(e.g. ('white', 'pink')) and config.data.noise_eval=True"
            )
        return {'num_classes': 1}

    def inputs(self, batch: dict) -> tuple:
        return (self.log_mel(batch['audio']),)

    def ideal_binary_mask(self, batch: dict) -> jax.Array:
        """[B, n_mels, frames] bool: the clean clip's mel power exceeds the noise's."""
        clean = self.mel_power(batch['clean'])
        noise = self.mel_power(batch['audio'] - batch['clean'])
        return clean > noise

    def loss(self, logits: jax.Array, batch: dict) -> tuple[jax.Array, dict]:
        """logits [B, n_mels, frames, 1] -> (mean binary cross-entropy, metrics)."""
        logits = logits[..., 0].astype(jnp.float32)
        target = self.ideal_binary_mask(batch)
        if target.shape != logits.shape:
            raise ValueError(f'logits of shape {logits.shape} for a mask of shape {target.shape}')
        frames = self.frame_mask(batch['sample_mask']) * batch['mask'][:, None]
        weights = jnp.broadcast_to(frames[:, None, :], logits.shape)
        per_bin = optax.sigmoid_binary_cross_entropy(logits, target.astype(jnp.float32))
        predicted = logits > 0
        true_positive = (predicted & target) * weights
        false = (predicted != target) * weights
        bins = weights.sum()
        metrics = {
            'loss': ((per_bin * weights).sum(), bins),
            'pixel_accuracy': (bins - false.sum(), bins),
            'f1': (2 * true_positive.sum(), 2 * true_positive.sum() + false.sum()),
        }
        return metrics['loss'][0] / jnp.maximum(bins, 1.0), metrics

    def predict(self, logits: jax.Array) -> dict:
        return {'mask': logits[..., 0] > 0}
