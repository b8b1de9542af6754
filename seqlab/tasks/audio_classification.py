"""Whole-clip audio classification: softmax cross-entropy and accuracy (as `Classification`) on
the model's logits for the waveform or its log-mel spectrogram (computed in the step, in JAX).

features 'log_mel': inputs = (log_mel(audio) [B, n_mels, frames],);  'waveform': (audio [B, samples],)
"""

import dataclasses
from typing import Any

import jax

from seqlab.config import ConfigError, one_of
from seqlab.tasks.audio_task import LogMelTask
from seqlab.tasks.classification import Classification

FEATURES = ('log_mel', 'waveform')


@dataclasses.dataclass(frozen=True)
class AudioClassification(LogMelTask):
    features: str = 'log_mel'
    label_smoothing: float = 0.0

    def __post_init__(self):
        one_of('config.task.kwargs.features', self.features, FEATURES)

    def model_kwargs(self, info: Any) -> dict:
        self.check_sample_rate(info)
        if info.num_classes < 2:
            raise ConfigError(f'dataset {info.name!r} has no class labels to classify')
        return {'num_classes': info.num_classes}

    def inputs(self, batch: dict) -> tuple:
        audio = batch['audio']
        return (self.log_mel(audio),) if self.features == 'log_mel' else (audio,)

    def loss(self, logits: jax.Array, batch: dict) -> tuple[jax.Array, dict]:
        """logits [B, K] -> (mean cross-entropy, {'loss', 'accuracy'}); padding never counts."""
        return Classification(self.label_smoothing).loss(logits, batch)

    def predict(self, logits: jax.Array) -> dict:
        return Classification().predict(logits)

    def describe(self, model: Any) -> str:
        """The model's receptive field (frames x bands, or samples) in seconds and Hz; a model
        with attention over the clip (receptive_field None) reports its tokens' field."""
        if not hasattr(model, 'receptive_field'):  # recurrent: the state runs over the whole clip
            return f'{type(model).__name__}: no fixed receptive field (a recurrent state)'
        if model.receptive_field is None:
            token = self.describe_samples(model.token_receptive_field)
            return f'the whole clip through attention; each token: {token}'
        if self.features == 'log_mel':
            return self.describe_field(*model.receptive_field)
        return self.describe_samples(model.receptive_field)
