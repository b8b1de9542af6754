"""Spoken keywords synthesised with espeak-ng: 20 words x 8 accents x 76 voice variants.

Each clip is one word spoken by one voice = accent + variant (`espeak-ng -v en-us+m3`) at a pitch
(0-99) and speed (words per minute) drawn once per voice from a seed derived from its name. The
22,050 Hz output is resampled to 16 kHz, its voiced span (samples above 1% of the peak) centred
in one second of silence, and stored as int16 (amplitude = sample / 32768, not normalised).

Splits are speaker-disjoint: validation and test use voice variants that never occur in train
(all accents and words occur in every split). The full build has 9,600 / 960 / 1,600 clips
(train / validation / test); `tiny` is a 32-clip subset for tests. espeak-ng (Debian 1.51) is
deterministic, so two builds write the same bytes.
"""

import concurrent.futures
import dataclasses
import hashlib
import shutil
import subprocess

import numpy as np
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import audio_io

MODALITY = 'audio'

SAMPLE_RATE = 16_000
CLIP_SAMPLES = 16_000  # one second
ESPEAK_SAMPLE_RATE = 22_050
SILENCE_FRACTION = 0.01  # samples quieter than this fraction of the peak count as silence
SYNTHESIS_WORKERS = 2  # concurrent espeak-ng processes

KEYWORDS = (
    'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine',
    'yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go',
)  # fmt: skip
# Accent -> espeak-ng voice. `en-gb+<variant>` ignores the variant in espeak-ng 1.51; `en` does not.
ACCENT_VOICES = {
    'en-us': 'en-us',
    'en-gb': 'en',
    'en-gb-scotland': 'en-gb-scotland',
    'en-gb-x-gbclan': 'en-gb-x-gbclan',
    'en-gb-x-rp': 'en-gb-x-rp',
    'en-gb-x-gbcwmd': 'en-gb-x-gbcwmd',
    'en-029': 'en-029',
    'en-us-nyc': 'en-us-nyc',
}
# Human-sounding variants with distinct output (klatt6 and caleb duplicate klatt; whispering,
# robotic and very slow variants are left out).
TRAIN_VARIANTS = (
    'm1', 'm2', 'm4', 'm5', 'm6', 'm7', 'f1', 'f3', 'f4', 'klatt', 'klatt2', 'klatt4',
    'adam', 'Alex', 'Andy', 'antonio', 'benjamin', 'boris', 'david', 'Denis', 'Diogo', 'ed',
    'edward', 'edward2', 'Gene', 'gustave', 'Henrique', 'iven', 'iven2', 'iven3', 'iven4',
    'Jacky', 'john', 'kaukovalta', 'Lee', 'marcelo', 'Mario', 'max', 'Michael', 'michel',
    'miguel', 'norbert', 'pablo', 'paul', 'quincy', 'rob', 'robert', 'sandro', 'shelby',
    'travis', 'zac', 'croak', 'Alicia', 'Andrea', 'aunty', 'belinda', 'steph', 'steph3',
    'anika', 'grandma',
)  # fmt: skip
VALIDATION_VARIANTS = ('m8', 'f5', 'klatt5', 'victor', 'linda', 'Gene2')
TEST_VARIANTS = (
    'm3',
    'f2',
    'klatt3',
    'Mike',
    'Annie',
    'steph2',
    'Hugo',
    'pedro',
    'Nguyen',
    'grandpa',
)
PITCH_RANGE = (10, 90)
SPEED_RANGE = (100, 300)  # words per minute; below 100 some words outlast one second


@dataclasses.dataclass(eq=False, kw_only=True)
class SpokenKeywordsConfig(tfds.core.BuilderConfig):
    """Which words, accents and (per split) voice variants to synthesise."""

    words: tuple[str, ...] = KEYWORDS
    accents: tuple[str, ...] = tuple(ACCENT_VOICES)
    split_variants: dict[str, tuple[str, ...]] = dataclasses.field(
        default_factory=lambda: {
            'train': TRAIN_VARIANTS,
            'validation': VALIDATION_VARIANTS,
            'test': TEST_VARIANTS,
        }
    )


@dataclasses.dataclass(frozen=True)
class Utterance:
    """One clip to synthesise."""

    word: str
    accent: str
    variant: str
    pitch: int
    speed: int

    @property
    def key(self) -> str:
        return f'{self.accent}+{self.variant}/{self.word}'


def example_id(key: str) -> int:
    """A stable non-negative int64 id: the first 63 bits of sha256(key)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], 'big') >> 1


def voice_prosody(accent: str, variant: str) -> tuple[int, int]:
    """(pitch, speed) of a voice, uniform in PITCH_RANGE x SPEED_RANGE, seeded by its name."""
    rng = np.random.default_rng(example_id(f'{accent}+{variant}'))
    pitch = int(rng.integers(PITCH_RANGE[0], PITCH_RANGE[1] + 1))
    speed = int(rng.integers(SPEED_RANGE[0], SPEED_RANGE[1] + 1))
    return pitch, speed


def utterances(config: SpokenKeywordsConfig, split: str) -> list[Utterance]:
    """Every (accent, variant, word) of a split, in a fixed order."""
    clips = []
    for accent in config.accents:
        for variant in config.split_variants[split]:
            pitch, speed = voice_prosody(accent, variant)
            clips += [Utterance(word, accent, variant, pitch, speed) for word in config.words]
    return clips


def centre_voiced(samples: np.ndarray, length: int) -> np.ndarray:
    """Centres the voiced span (first to last sample above SILENCE_FRACTION of the peak) in
    `length` zeros; a longer span keeps its middle `length` samples. [n] -> [length]."""
    peak = np.max(np.abs(samples))
    loud = np.flatnonzero(np.abs(samples) > SILENCE_FRACTION * peak)
    if peak == 0 or loud.size == 0:
        raise ValueError('clip is silent; expected speech')
    voiced = samples[loud[0] : loud[-1] + 1]
    if voiced.size >= length:
        start = (voiced.size - length) // 2
        return voiced[start : start + length]
    placed = np.zeros(length, samples.dtype)
    start = (length - voiced.size) // 2
    placed[start : start + voiced.size] = voiced
    return placed


def synthesise(utterance: Utterance) -> np.ndarray:
    """Speaks one word with espeak-ng. Returns [CLIP_SAMPLES] int16 at SAMPLE_RATE."""
    voice = f'{ACCENT_VOICES[utterance.accent]}+{utterance.variant}'
    command = ['espeak-ng', '-v', voice, '-p', str(utterance.pitch), '-s', str(utterance.speed)]
    wav = subprocess.run(command + ['--stdout', utterance.word], capture_output=True, check=True)
    samples, rate = audio_io.read_wav(wav.stdout)
    audio_io.check_clip(samples, rate, ESPEAK_SAMPLE_RATE)
    resampled = audio_io.resample(samples, rate, SAMPLE_RATE)
    return audio_io.to_int16(centre_voiced(resampled, CLIP_SAMPLES))


class SpokenKeywords(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """Keyword clips synthesised locally with espeak-ng (no download)."""

    VERSION = tfds.core.Version('1.0.0')
    RELEASE_NOTES = {'1.0.0': 'espeak-ng 1.51, 8 accents, 76 variants, held-out test voices.'}
    BUILDER_CONFIGS = [
        SpokenKeywordsConfig(name='full', description='20 words x 8 accents x 76 variants.'),
        SpokenKeywordsConfig(
            name='tiny',
            description='4 words x 2 accents x 4 variants, for tests.',
            words=('yes', 'no', 'up', 'down'),
            accents=('en-us', 'en-gb-scotland'),
            split_variants={'train': ('m1', 'f1'), 'validation': ('m8',), 'test': ('m3',)},
        ),
    ]

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description=__doc__,
            features=tfds.features.FeaturesDict(
                {
                    'id': tfds.features.Scalar(dtype=np.int64),
                    'audio': tfds.features.Tensor(shape=(CLIP_SAMPLES,), dtype=np.int16),
                    'label': tfds.features.ClassLabel(names=KEYWORDS),
                    'accent': tfds.features.Text(),
                    'variant': tfds.features.Text(),
                    'pitch': tfds.features.Scalar(dtype=np.int32),
                    'speed': tfds.features.Scalar(dtype=np.int32),
                }
            ),
            supervised_keys=('audio', 'label'),
            homepage='https://github.com/espeak-ng/espeak-ng',
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # Synthesised locally.
        if shutil.which('espeak-ng') is None:
            raise ConfigError('espeak-ng not found; install it with: apt-get install espeak-ng')
        return {
            split: self._generate_examples(split) for split in self.builder_config.split_variants
        }

    def _generate_examples(self, split: str):
        clips = utterances(self.builder_config, split)
        with concurrent.futures.ThreadPoolExecutor(SYNTHESIS_WORKERS) as pool:
            for utterance, samples in zip(clips, pool.map(synthesise, clips), strict=True):
                yield (
                    utterance.key,
                    {
                        'id': example_id(utterance.key),
                        'audio': samples,
                        'label': utterance.word,
                        'accent': utterance.accent,
                        'variant': utterance.variant,
                        'pitch': utterance.pitch,
                        'speed': utterance.speed,
                    },
                )
