"""Audio datasets as `Splits`: clips to float32 of one length, optional background noise, and the
per-sample voice activity of the clean clip (the target of per-frame speech/non-speech heads).

config.data keys (besides the common ones; `seqlab.config_defaults.audio_data` has them all):
  sample_rate  Hz the clips must have; the builder's rate is checked against it
  length       samples per example: longer clips are cropped (a random start in training, centred
               in evaluation), shorter ones zero-padded at the end (`sample_mask` marks the clip)
  noise        colours of `audio_noise.coloured_noise` mixed in, e.g. ('white', 'pink'); () = none
  snr_db       (low, high): each example's SNR in dB is drawn uniformly from this range
  noise_eval   mix noise into evaluation clips too, seeded by (seed, example index): every pass and
               every process count sees the same mixtures

Every clip of the train and eval splits is checked before training (an empty or non-finite clip is
refused naming its record; seqlab/data/record_scan.py).

Batch, besides `id` (position in the TFDS split, -1 for padding), `mask` and `label` (int32):
  audio        float32 [B, length]  the model input: clean + noise (= clean without noise)
  clean        float32 [B, length]  the clip before noise (so noise = audio - clean)
  voice        float32 [B, length]  1 where the clean clip is voiced (`voice_activity`)
  sample_mask  float32 [B, length]  1 for the clip's samples, 0 for padding
info.input_shape = (length,); info.extras: sample_rate, class_names, noise, noise_eval.
"""

import functools
import inspect
from collections.abc import Mapping
from typing import Any

import ml_collections
import numpy as np
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import (
    audio_io,
    audio_length,
    audio_noise,
    checks,
    record_scan,
    records,
)
from seqlab.data.recipe import Recipe
from seqlab.data.tfds_io import source

VOICE_WINDOW_SECONDS = 0.02  # moving-RMS window of the voice-activity detector
VOICE_RANGE_DB = 40.0  # voiced: within this many dB of the clip's loudest window
AUDIO_DTYPES = (np.int16, np.float32, np.float64)


def check(data_config: ml_collections.ConfigDict) -> None:
    """One-line ConfigErrors for bad audio keys, before any data is read."""
    for key in ('sample_rate', 'length'):
        checks.int_at_least(data_config, key)
    noise = data_config.get('noise')
    if not isinstance(noise, tuple) or set(noise) - set(audio_noise.NOISE_EXPONENTS):
        raise ConfigError(
            f'config.data.noise={noise!r} is not allowed; allowed: a tuple of colours from '
            f'{", ".join(audio_noise.NOISE_EXPONENTS)} (() for no noise)'
        )
    snr = data_config.get('snr_db')
    if not (isinstance(snr, tuple) and len(snr) == 2 and snr[0] <= snr[1]):
        raise ConfigError(
            f'config.data.snr_db={snr!r} is not allowed; allowed: (low, high) in dB, low <= high'
        )
    if not isinstance(data_config.get('noise_eval'), bool):
        raise ConfigError(
            f'config.data.noise_eval={data_config.get("noise_eval")!r} is not allowed; '
            'allowed: True, False'
        )
    if data_config.noise_eval and not noise:
        raise ConfigError('config.data.noise_eval=True needs config.data.noise colours to mix in')


def voice_activity(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """1 where the clip is voiced: its moving power over a 20 ms window is within 40 dB of the
    loudest window, p[n] = mean_{|k - n| <= w/2} x[k]^2 >= max(p) 10^(-40/10).

    samples: float [n] -> float32 [n] in {0, 1} (all 0 for a silent clip).
    """
    width = max(1, round(VOICE_WINDOW_SECONDS * sample_rate))
    cumulative = np.concatenate([[0.0], np.cumsum(np.square(samples, dtype=np.float64))])
    index = np.arange(samples.shape[0])
    low = np.maximum(index - width // 2, 0)
    high = np.minimum(index + (width + 1) // 2, samples.shape[0])
    power = (cumulative[high] - cumulative[low]) / (high - low)
    peak = power.max(initial=0.0)
    return ((power > 0) & (power >= peak * 10.0 ** (-VOICE_RANGE_DB / 10.0))).astype(np.float32)


def audio_feature(features: Mapping[str, tfds.features.FeatureConnector]) -> str:
    """The key of the clip feature ('audio' or the first tfds Audio feature), checked to be mono
    int16 or float samples."""
    keys = [k for k, f in features.items() if k == 'audio' or isinstance(f, tfds.features.Audio)]
    if not keys:
        raise ValueError(f'no audio feature among {sorted(features)}; expected one named audio')
    feature = features[keys[0]]
    if len(feature.shape) != 1:
        raise ValueError(
            f'feature {keys[0]!r} has shape {feature.shape}; expected mono clips [samples] '
            '(stereo or multichannel audio is not supported)'
        )
    if feature.shape[0] == 0:
        raise ValueError(f'feature {keys[0]!r} has zero-length clips; expected samples > 0')
    if np.dtype(feature.np_dtype) not in AUDIO_DTYPES:
        raise ValueError(
            f'feature {keys[0]!r} has dtype {np.dtype(feature.np_dtype)}; expected int16 or float'
        )
    return keys[0]


def sample_rate_of(builder: tfds.core.DatasetBuilder, audio_key: str) -> int:
    """The clips' rate: the tfds Audio feature's sample_rate, else the builder's SAMPLE_RATE (a file
    source's), else the builder module's."""
    rate = getattr(builder.info.features[audio_key], 'sample_rate', None)
    rate = rate or getattr(builder, 'SAMPLE_RATE', None)
    rate = rate or getattr(inspect.getmodule(type(builder)), 'SAMPLE_RATE', None)
    if rate is None:
        raise ValueError(f'dataset {builder.name!r} declares no sample rate')
    return int(rate)


def clip_samples(record: Mapping[str, Any], *, audio_key: str, sample_rate: int) -> np.ndarray:
    """The record's samples [n], refused unless a non-empty finite mono clip
    (`audio_io.check_clip`): the per-record check of `clip` and of the record scan."""
    samples = np.asarray(record[audio_key])
    # the dataset's rate was checked against config.data.sample_rate in `recipe`
    audio_io.check_clip(samples, sample_rate, sample_rate)
    return samples


def clip(
    index: int, record: Mapping[str, Any], *, split: str, audio_key: str, sample_rate: int
) -> dict:
    """The checked float32 clip of a record with its voice activity (full length, unlabelled -> 0)."""
    with record_scan.naming(split, index):
        samples = clip_samples(record, audio_key=audio_key, sample_rate=sample_rate)
    clean = audio_io.to_float(samples) if samples.dtype == np.int16 else samples.astype(np.float32)
    return {
        'clean': clean,
        'voice': voice_activity(clean, sample_rate),
        'label': np.int32(record.get('label', 0)),
        'id': records.source_id(index, record),
        'mask': np.float32(1.0),
    }


def fit_length(element: dict, length: int, start: int) -> dict:
    """Crops `clean` and `voice` to `length` from `start`, or zero-pads them at the end; adds
    `sample_mask`, and `audio` = `clean` (before any noise)."""
    clean, voice = element['clean'], element['voice']
    if clean.shape[0] >= length:
        clean, voice = (audio_length.crop(x, length, start) for x in (clean, voice))
        sample_mask = np.ones(length, np.float32)
    else:
        clean, sample_mask = audio_length.pad_with_mask(clean, length)
        voice = audio_length.pad_with_mask(voice, length)[0]
        sample_mask = sample_mask.astype(np.float32)
    return {**element, 'audio': clean, 'clean': clean, 'voice': voice, 'sample_mask': sample_mask}


def add_noise(
    element: dict, rng: np.random.Generator, data_config: ml_collections.ConfigDict
) -> dict:
    """`audio` = `clean` + coloured noise at a random SNR, inside the clip (`sample_mask`) only."""
    if not data_config.noise:
        return element
    mixture = audio_noise.add_background_noise(
        element['clean'],
        rng,
        snr_db=data_config.snr_db,
        colours=data_config.noise,
        mask=element['sample_mask'] > 0,
    )
    return {**element, 'audio': mixture}


def train_example(
    element: dict, rng: np.random.Generator, *, data_config: ml_collections.ConfigDict
) -> dict:
    """Random crop (or padding), then noise."""
    spare = element['clean'].shape[0] - data_config.length
    start = int(rng.integers(spare + 1)) if spare > 0 else 0
    return add_noise(fit_length(element, data_config.length, start), rng, data_config)


def eval_example(
    index: int,
    record: Mapping[str, Any],
    *,
    data_config: ml_collections.ConfigDict,
    seed: int,
    **clip_args: Any,
) -> dict:
    """Centred crop (or padding), then noise seeded by (seed, index) when `noise_eval`."""
    element = clip(index, record, **clip_args)
    start = max(0, (element['clean'].shape[0] - data_config.length) // 2)
    element = fit_length(element, data_config.length, start)
    if not data_config.noise_eval:
        return element
    return add_noise(element, np.random.default_rng([seed, index]), data_config)


def recipe(
    builder: tfds.core.DatasetBuilder, data_config: ml_collections.ConfigDict, *, seed: int
) -> Recipe:
    """How the audio dataset `builder` is read (module docstring); `seed` seeds eval noise."""
    features = builder.info.features
    audio_key = audio_feature(features)
    sample_rate = sample_rate_of(builder, audio_key)
    if sample_rate != data_config.sample_rate:
        raise ConfigError(
            f'config.data.sample_rate={data_config.sample_rate} but {data_config.name!r} is '
            f'recorded at {sample_rate} Hz; allowed: {sample_rate}'
        )
    label = features['label'] if 'label' in features else None
    is_classification = isinstance(label, tfds.features.ClassLabel)
    train_source = source(builder, data_config, 'train_split')
    eval_source = source(builder, data_config, 'eval_split')
    clip_args = {'audio_key': audio_key, 'sample_rate': sample_rate}
    check = functools.partial(clip_samples, **clip_args)
    sources = (train_source, eval_source)
    record_scan.scan_splits(builder, data_config, sources, check, f'audio clips, key {audio_key!r}')
    extras = {
        'sample_rate': sample_rate,
        'noise': tuple(data_config.noise),
        'noise_eval': data_config.noise_eval,
    }
    if is_classification:
        extras['class_names'] = tuple(label.names)
    return Recipe(
        modality='audio',
        train=train_source,
        eval=eval_source,
        prepare=functools.partial(clip, split=data_config.train_split, **clip_args),
        eval_prepare=functools.partial(
            eval_example,
            data_config=data_config,
            seed=seed,
            split=data_config.eval_split,
            **clip_args,
        ),
        augment=functools.partial(train_example, data_config=data_config),
        num_classes=label.num_classes if is_classification else 0,
        input_shape=(data_config.length,),
        extras=extras,
    )
