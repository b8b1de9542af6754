"""`audiofolder:<dir>`: WAV clips in class folders, `<dir>/<class>/<clip>.wav` (or
`<dir>/<split>/<class>/<clip>.wav`), into an audio dataset.

Each clip's rate is read from its file and the clip resampled once, when it is prepared, to
`config.data.sample_rate` (`audio_io.resample`), the one rate the data and (through a reference
to it in the audio configs) the spectrogram features use. Clips are mono 16-bit PCM WAV and are
stored as int16 at that rate. Labels, splits, ids and sources are those of every class-folder
source (seqlab/data/files/class_folders.py).
"""

import pathlib
import wave

import numpy as np
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import audio_io
from seqlab.data.files import builder, class_folders, layout

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
    files = class_folders.labelled_files(root, EXTENSIONS, name)
    digest = layout.Digest(root, {'sample_rate': sample_rate})
    for relative, _ in files.labelled:
        data = (root / relative).read_bytes()
        digest.add(relative, data)
        read_clip(data, relative, name)

    def samples(relative: str) -> np.ndarray:
        clip, rate = read_clip((root / relative).read_bytes(), relative, name)
        if rate != sample_rate:
            clip = audio_io.to_int16(audio_io.resample(clip, rate, sample_rate))
        return clip

    return files.plan(
        kind='audiofolder',
        digest=digest,
        description=f'WAV clips in class folders under {root}, at {sample_rate} Hz.',
        key='audio',
        feature=tfds.features.Tensor(shape=(None,), dtype=np.int16),
        read=samples,
        sample_rate=sample_rate,
    )
