"""--mode=figures picks what a run can draw: each figure of make.py is drawn from a matching model
and skipped with its reason otherwise (runs stubbed with tiny untrained models)."""

import types

import jax
import ml_collections
import numpy as np
import pytest

from seqlab.config import ConfigError
from seqlab.figures import make, position, receptive_field, spectrogram
from seqlab.models.spec_cnn import SpecCNN
from seqlab.models.wave_cnn import WaveCNN
from seqlab.models.wavenet import WaveNet
from seqlab.tasks.classification import Classification
from seqlab.tasks.frame_classification import FrameClassification
from tests.figures.test_figures import png_size


def stub(tmp_path, model, inputs, task=None, model_name='stub', **kwargs) -> make.Artifacts:
    """Artifacts whose run, parameters and inputs are given instead of restored."""
    config = ml_collections.ConfigDict(
        dict(model=dict(name=model_name, kwargs=kwargs), task=dict(name='stub'))
    )
    artifacts = make.Artifacts(config, str(tmp_path))
    plan = types.SimpleNamespace(
        model=model,
        task=task,
        splits=types.SimpleNamespace(
            info=types.SimpleNamespace(extras={'class_names': ['a', 'b']})
        ),
    )
    artifacts.__dict__.update(
        run=types.SimpleNamespace(plan=plan),
        params=model.init(jax.random.key(0), *inputs)['params'] if model else None,
        inputs=inputs,
        example={'label': np.array([1])},
    )
    return artifacts


def test_positional_encoding_only_for_sinusoidal_positions(tmp_path):
    sinusoidal = stub(tmp_path, None, (), model_name='text_transformer', position='sinusoidal')
    assert png_size(make.positional_encoding(sinusoidal)) == position.size()
    learned = stub(tmp_path, None, (), model_name='text_transformer')
    with pytest.raises(make.Unavailable, match='no sinusoidal positions'):
        make.positional_encoding(learned)


def test_receptive_field_only_for_a_stack_on_its_input(tmp_path):
    wavenet = WaveNet(
        levels=8, channels=4, skip_channels=4, kernel_size=2, max_dilation=4, stacks=1
    )
    artifacts = stub(tmp_path, wavenet, (np.zeros((1, 16), np.int32), np.zeros((1,), np.int32)))
    assert png_size(make.dilated_receptive_field(artifacts)) == receptive_field.size()
    strided = WaveCNN(
        num_classes=2,
        channels=4,
        front_kernel=4,
        front_stride=2,
        pool=2,
        dilations=(1, 2),
        stages=1,
    )
    artifacts = stub(tmp_path, strided, (np.zeros((1, 64), np.float32),))
    with pytest.raises(make.Unavailable, match='does not read the input directly'):
        make.dilated_receptive_field(artifacts)


def test_frame_predictions_only_for_a_per_frame_head(tmp_path):
    log_mel = np.random.default_rng(0).normal(size=(1, 8, 12)).astype(np.float32)
    frames = SpecCNN(num_classes=3, head='frame', channels=(4,))
    artifacts = stub(tmp_path, frames, (log_mel,), task=FrameClassification())
    assert png_size(make.frame_predictions(artifacts)) == spectrogram.size()
    clips = SpecCNN(num_classes=3, head='clip', channels=(4,))
    with pytest.raises(make.Unavailable, match='not per-frame predictions'):
        make.frame_predictions(stub(tmp_path, clips, (log_mel,), task=FrameClassification()))
    with pytest.raises(make.Unavailable, match='no spectrogram front end'):
        make.frame_predictions(stub(tmp_path, frames, (log_mel,), task=Classification()))


def test_make_skips_what_a_run_cannot_draw(tmp_path, caplog):
    caplog.set_level('INFO', logger='seqlab')
    config = ml_collections.ConfigDict(dict(model=dict(name='vit', kwargs={}), task=dict(name='x')))
    assert make.make(config, str(tmp_path)) == []
    assert f'figure curves skipped: no metrics.jsonl in {tmp_path}' in caplog.text
    assert 'figure positions skipped: model' in caplog.text
    with pytest.raises(ConfigError, match='is not a directory; allowed: a run or a sweep'):
        make.make(config, str(tmp_path / 'missing'))
