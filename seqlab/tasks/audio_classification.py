"""Whole-clip audio classification: softmax cross-entropy and accuracy (as `Classification`) on
the model's logits for the waveform or its log-mel spectrogram (computed in the step, in JAX).

features 'log_mel': inputs = (LogMel(audio) [B, n_mels, frames],);  'waveform': (audio [B, samples],)
"""

import dataclasses
from typing import Any

import jax

from seqlab.config import ConfigError, one_of
from seqlab.tasks.audio_features import LogMel, describe_samples
from seqlab.tasks.base import Task
from seqlab.tasks.classification import Classification

FEATURES = ('log_mel', 'waveform')


@dataclasses.dataclass(frozen=True)
class AudioClassification(Task):
    features: str = 'log_mel'
    label_smoothing: float = 0.0
    sample_rate: int = 16_000
    n_fft: int = 512
    hop_length: int = 160
    n_mels: int = 40

    def __post_init__(self):
        one_of('config.task.kwargs.features', self.features, FEATURES)

    @property
    def front_end(self) -> LogMel:
        return LogMel(self.sample_rate, self.n_fft, self.hop_length, self.n_mels)

    def model_kwargs(self, info: Any) -> dict:
        self.front_end.check(info.extras.get('sample_rate'))
        if info.num_classes < 2:
            raise ConfigError(f'dataset {info.name!r} has no class labels to classify')
        return {'num_classes': info.num_classes}

    def inputs(self, batch: dict) -> tuple:
        audio = batch['audio']
        return (self.front_end(audio),) if self.features == 'log_mel' else (audio,)

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
            token = describe_samples(model.token_receptive_field, self.sample_rate)
            return f'the whole clip through attention; each token: {token}'
        if self.features == 'log_mel':
            return self.front_end.describe(*model.receptive_field)
        return describe_samples(model.receptive_field, self.sample_rate)
