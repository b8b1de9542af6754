"""A TFDS audio dataset at the config's rate: its clips resampled once, when prepared, to
`config.data.sample_rate` and stored as int16, like an `audiofolder:` source's.

A catalogue audio dataset is read as it is when its clips are at the config's rate and stored as
seqlab reads them (int16 or float); otherwise (spoken_digit: int64 samples at 8 kHz) this copy of
its `audio` and `label` is prepared once into the cache, as
`catalogue_audio/<dataset>_<version>_<rate>hz/`, through the builder of the file sources
(seqlab/data/files/builder.py). The rate is read from the dataset's Audio feature; int samples
must be 16-bit (int16 units), float samples amplitudes in [-1, 1]. Each example keeps its `id`:
the integer id the dataset stores, else its position in its split, as when the dataset is read
as it is (so a validation split carved from train is the same).
"""

import re
from collections.abc import Sequence

import ml_collections
import numpy as np
import tensorflow_datasets as tfds

from seqlab.data import audio_io, builders, record_scan, records
from seqlab.data.files import builder as file_builder
from seqlab.data.types import BadRecordError

KIND = 'catalogue_audio'
READ_AS_IS = (np.int16, np.float32, np.float64)  # sample dtypes audio_splits reads
INT16_RANGE = (-32768, 32767)


def rate_of(feature: tfds.features.FeatureConnector) -> int | None:
    """The sample rate an Audio feature declares (None if none)."""
    return getattr(feature, 'sample_rate', None)


def read_as_is(feature: tfds.features.FeatureConnector, sample_rate: int) -> bool:
    """Whether clips of `feature` are read without a copy: at `sample_rate`, in READ_AS_IS."""
    return rate_of(feature) == sample_rate and np.dtype(feature.np_dtype) in READ_AS_IS


def int16_units(samples: np.ndarray) -> np.ndarray:
    """Samples in int16 units (float64): ints as they are (refused beyond 16 bits), float
    amplitudes in [-1, 1] times 32768."""
    samples = np.asarray(samples)
    if np.issubdtype(samples.dtype, np.floating):
        return samples.astype(np.float64) * audio_io.INT16_SCALE
    if samples.size and (samples.min() < INT16_RANGE[0] or samples.max() > INT16_RANGE[1]):
        raise BadRecordError(
            f'clip has samples in [{samples.min()}, {samples.max()}]; allowed: 16-bit samples'
        )
    return samples.astype(np.float64)


def clip_at(samples: np.ndarray, rate: int, sample_rate: int) -> np.ndarray:
    """A clip [n] at `rate` -> int16 [m] at `sample_rate` (`audio_io.resample`)."""
    units = int16_units(samples)
    if rate != sample_rate:
        units = audio_io.resample(units, rate, sample_rate)
    return audio_io.to_int16(units)


def plan(
    source: tfds.core.DatasetBuilder, data_config: ml_collections.ConfigDict
) -> file_builder.Plan:
    """The copy of `source` (read under seqlab's names: `audio`, optionally `label`) at
    `config.data.sample_rate`. Example keys number the splits' records one after another."""
    sample_rate, features = data_config.sample_rate, source.info.features
    rate = rate_of(features['audio'])
    splits, located, first = {}, {}, 0
    for split in sorted(source.info.splits):
        count = source.info.splits[split].num_examples
        splits[split] = list(range(first, first + count))
        located.update({first + position: (split, position) for position in range(count)})
        first += count
    opened: dict[str, Sequence] = {}
    stored = {'id': tfds.features.Scalar(dtype=np.int64)}
    stored['audio'] = tfds.features.Tensor(shape=(None,), dtype=np.int16)
    if 'label' in features:
        stored['label'] = tfds.features.ClassLabel(names=features['label'].names)

    def example(key: int) -> dict:
        split, position = located[key]
        if split not in opened:
            opened[split] = source.as_data_source(split=split)
        record = opened[split][position]
        with record_scan.naming(f'{source.name} {split}', position):
            audio = clip_at(record['audio'], rate, sample_rate)
        with_label = {'label': record['label']} if 'label' in stored else {}
        return {'id': records.source_id(position, record), 'audio': audio, **with_label}

    name = re.sub(r'[^A-Za-z0-9_.-]', '_', f'{source.info.full_name}_{sample_rate}hz')
    return file_builder.Plan(
        kind=KIND,
        config_name=name,
        description=f'{source.info.full_name} resampled from {rate} Hz to {sample_rate} Hz.',
        features=tfds.features.FeaturesDict(stored),
        splits=splits,
        sources={key: f'{split}:{position}' for key, (split, position) in located.items()},
        example=example,
        sample_rate=sample_rate,
    )


def prepared(
    source: tfds.core.DatasetBuilder, data_config: ml_collections.ConfigDict, data_dir: str
) -> tfds.core.DatasetBuilder:
    """The copy of `source` at `config.data.sample_rate` in `data_dir`, prepared once."""
    copy = plan(source, data_config)
    return builders.prepared(
        lambda: file_builder.FileBuilder(
            plan=copy, data_dir=data_dir, file_format=builders.FILE_FORMAT
        ),
        f'{KIND}/{copy.config_name}',
        data_dir,
    )
