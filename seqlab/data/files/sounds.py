"""`audiofolder:<dir>`: WAV clips in class folders, `<dir>/<class>/<clip>.wav` (or
`<dir>/<split>/<class>/<clip>.wav`), into an audio dataset.

Each clip's rate is read from its file and the clip resampled once, when it is prepared, to
`config.data.sample_rate` (`audio_io.resample`), the one rate the data and (through a reference
to it in the audio configs) the spectrogram features use. Clips are mono 16-bit PCM WAV and are
stored as int16 at that rate. Labels, splits, ids and sources are those of `imagefolder:`
(seqlab/data/files/images.py).
"""

import pathlib
import wave

import numpy as np
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import audio_io
from seqlab.data.files import builder, images, layout

EXTENSIONS = ('.wav',)


def read_clip(data: bytes, relative: str, name: str) -> tuple[np.ndarray, int]:
    """(samples [n] int16, rate) of a WAV file's bytes; a one-line ConfigError if it is not mono
    16-bit PCM."""
    try:
        return audio_io.read_wav(data)
    except (wave.Error, EOFError, ValueError) as error:
        raise ConfigError(
            f'config.data.name={name!r}: {relative} is not a readable clip ({error}); allowed: '
            'mono 16-bit PCM WAV files'
        ) from None


def plan(root: pathlib.Path, sample_rate: int, name: str) -> builder.Plan:
    """What `audiofolder:<root>` prepares into, its clips resampled to `sample_rate`; reads and
    checks every file (the digest, and a refused clip is refused before anything is prepared)."""
    labelled, given = images.labelled_files(root, EXTENSIONS, name)
    digest = layout.Digest(root, {'sample_rate': sample_rate})
    for relative, _ in labelled:
        data = (root / relative).read_bytes()
        digest.add(relative, data)
        read_clip(data, relative, name)
    class_names = sorted({label for _, label in labelled})
    label_ids = {label: k for k, label in enumerate(class_names)}

    def example(i: int) -> dict:
        relative, label = labelled[i]
        samples, rate = read_clip((root / relative).read_bytes(), relative, name)
        if rate != sample_rate:
            samples = audio_io.to_int16(audio_io.resample(samples, rate, sample_rate))
        return {'id': i, 'audio': samples, 'label': label_ids[label]}

    return builder.Plan(
        kind='audiofolder',
        config_name=layout.config_name(root, digest.hexdigest()),
        description=f'WAV clips in class folders under {root}, at {sample_rate} Hz.',
        features=tfds.features.FeaturesDict(
            {
                'id': tfds.features.Scalar(dtype=np.int64),
                'audio': tfds.features.Tensor(shape=(None,), dtype=np.int16),
                'label': tfds.features.ClassLabel(names=class_names),
            }
        ),
        splits=layout.assign([relative for relative, _ in labelled], given, name),
        sources={i: relative for i, (relative, _) in enumerate(labelled)},
        example=example,
        sample_rate=sample_rate,
    )
