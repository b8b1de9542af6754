"""Per-frame keyword spotting: each spectrogram frame is the clip's keyword where the clean clip is
voiced and 'non-speech' (class K) elsewhere; frame predictions are pooled into a clip label.

    target_t = label  if  Σ_n w[n] voice[t·hop + n - n_fft/2] / Σ w >= 1/2  else  K
    loss = Σ_{b,t} m_bt CE(softmax(logits_bt), target_bt) / Σ m_bt   (m: real clips, frames in them)

Clip label from the frames S_b the model calls speech (all frames if none):
    mean of log-probabilities: argmax_k (1/|S_b|) Σ_{t in S_b} log p_k(t)  (over the K keywords)
    majority vote:             argmax_k Σ_{t in S_b} [argmax_j p_j(t) = k]
Metrics: loss, frame_accuracy, vad_accuracy (speech vs non-speech per frame), accuracy (clips, mean
of log-probabilities), vote_accuracy (clips, majority vote).
"""

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import optax

from seqlab.config import ConfigError
from seqlab.tasks.audio_task import LogMelTask

SPEECH_FRACTION = 0.5


@dataclasses.dataclass(frozen=True)
class FrameClassification(LogMelTask):
    def model_kwargs(self, info: Any) -> dict:
        self.check_sample_rate(info)
        if info.num_classes < 2:
            raise ConfigError(f'dataset {info.name!r} has no class labels to classify')
        return {'num_classes': info.num_classes + 1}  # the keywords and non-speech

    def inputs(self, batch: dict) -> tuple:
        return (self.log_mel(batch['audio']),)

    def loss(self, logits: jax.Array, batch: dict) -> tuple[jax.Array, dict]:
        """logits [B, T, K + 1] -> (mean frame cross-entropy, metrics)."""
        logits = logits.astype(jnp.float32)
        non_speech = logits.shape[-1] - 1
        speech = self.frame_average(batch['voice']) >= SPEECH_FRACTION
        if speech.shape[1] != logits.shape[1]:
            raise ValueError(
                f'{logits.shape[1]} frames of logits for {speech.shape[1]} spectrogram frames'
            )
        weights = self.frame_mask(batch['sample_mask']) * batch['mask'][:, None]
        targets = jnp.where(speech, batch['label'][:, None], non_speech)
        per_frame = optax.softmax_cross_entropy_with_integer_labels(logits, targets)
        predicted = logits.argmax(-1)
        frames = weights.sum()
        clip_mean, clip_vote = aggregate(logits, weights)
        clips = batch['mask'].astype(jnp.float32)
        metrics = {
            'loss': ((per_frame * weights).sum(), frames),
            'frame_accuracy': (((predicted == targets) * weights).sum(), frames),
            'vad_accuracy': ((((predicted != non_speech) == speech) * weights).sum(), frames),
            'accuracy': (((clip_mean == batch['label']) * clips).sum(), clips.sum()),
            'vote_accuracy': (((clip_vote == batch['label']) * clips).sum(), clips.sum()),
        }
        return metrics['loss'][0] / jnp.maximum(frames, 1.0), metrics

    def predict(self, logits: jax.Array) -> dict:
        weights = jnp.ones(logits.shape[:2], jnp.float32)
        clip_mean, clip_vote = aggregate(logits, weights)
        return {
            'prediction': clip_mean,
            'vote': clip_vote,
            'speech': logits.argmax(-1) != logits.shape[-1] - 1,
        }


def aggregate(logits: jax.Array, weights: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Clip labels [B] by mean log-probability and by majority vote over the frames predicted as
    speech (all weighted frames when none is). logits [B, T, K + 1], weights [B, T]."""
    keywords = logits.shape[-1] - 1
    speech = (logits.argmax(-1) != keywords) * weights
    chosen = jnp.where(speech.sum(-1, keepdims=True) > 0, speech, weights)  # [B, T]
    log_probs = jax.nn.log_softmax(logits.astype(jnp.float32))[..., :keywords]
    mean_log_prob = jnp.einsum('btk,bt->bk', log_probs, chosen)  # a sum: the mean's argmax
    votes = jnp.einsum('btk,bt->bk', jax.nn.one_hot(log_probs.argmax(-1), keywords), chosen)
    return mean_log_prob.argmax(-1), votes.argmax(-1)
