"""spoken_keywords: speaker-disjoint splits, clip layout, byte-for-byte reproducible builds."""

import pathlib

import numpy as np
import pytest

from seqlab.data import tfds_io
from seqlab.data.builders import spoken_keywords as sk


def build(data_dir: pathlib.Path) -> sk.SpokenKeywords:
    tfds_io.serialize_deterministically()  # as builders.prepared does
    builder = sk.SpokenKeywords(config='tiny', data_dir=str(data_dir))
    builder.download_and_prepare(file_format='array_record')
    return builder


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    return build(tmp_path_factory.mktemp('spoken_keywords'))


@pytest.fixture(scope='module')
def examples(tiny):
    sources = tiny.as_data_source()
    return {split: [source[i] for i in range(len(source))] for split, source in sources.items()}


def test_tiny_has_every_word_accent_and_voice_once(examples):
    config = sk.SpokenKeywords.builder_configs['tiny']
    for split, rows in examples.items():
        seen = {
            (row['accent'].decode(), row['variant'].decode(), sk.KEYWORDS[row['label']])
            for row in rows
        }
        expected = {
            (accent, variant, word)
            for accent in config.accents
            for variant in config.split_variants[split]
            for word in config.words
        }
        assert seen == expected and len(rows) == len(expected)


def test_splits_are_disjoint_by_voice_variant(examples):
    variants = {split: {row['variant'] for row in rows} for split, rows in examples.items()}
    assert not variants['train'] & variants['validation']
    assert not variants['train'] & variants['test']
    assert not variants['validation'] & variants['test']
    ids = [row['id'] for rows in examples.values() for row in rows]
    assert len(set(ids)) == len(ids)


def test_full_config_holds_out_voices_and_has_the_documented_size():
    config = sk.SpokenKeywords.builder_configs['full']
    train, validation, test = (
        set(config.split_variants[s]) for s in ('train', 'validation', 'test')
    )
    assert not train & validation and not train & test and not validation & test
    sizes = {split: len(sk.utterances(config, split)) for split in config.split_variants}
    assert sizes == {'train': 9600, 'validation': 960, 'test': 1600}


def test_clips_are_one_second_int16_with_centred_speech(examples):
    for row in examples['test']:
        audio = row['audio']
        assert audio.shape == (sk.CLIP_SAMPLES,) and audio.dtype == np.int16
        loud = np.flatnonzero(audio)
        assert np.abs(audio).max() > 1000
        assert abs((loud[0] + loud[-1]) / 2 - sk.CLIP_SAMPLES / 2) <= 1
        assert sk.PITCH_RANGE[0] <= row['pitch'] <= sk.PITCH_RANGE[1]
        assert sk.SPEED_RANGE[0] <= row['speed'] <= sk.SPEED_RANGE[1]


def test_stored_clip_is_the_synthesised_clip(examples):
    row = examples['validation'][0]
    utterance = sk.Utterance(
        word=sk.KEYWORDS[row['label']],
        accent=row['accent'].decode(),
        variant=row['variant'].decode(),
        pitch=int(row['pitch']),
        speed=int(row['speed']),
    )
    assert (utterance.pitch, utterance.speed) == sk.voice_prosody(
        utterance.accent, utterance.variant
    )
    assert row['id'] == sk.example_id(utterance.key)
    np.testing.assert_array_equal(sk.synthesise(utterance), row['audio'])


def test_two_builds_write_the_same_bytes(tiny, tmp_path):
    first = pathlib.Path(tiny.data_dir)
    second = pathlib.Path(build(tmp_path).data_dir)
    names = sorted(path.name for path in first.iterdir())
    assert any(name.endswith('00000-of-00001') for name in names)
    assert names == sorted(path.name for path in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_centre_voiced_centres_or_crops_the_loud_span():
    samples = np.zeros(50)
    samples[10:20] = 1.0
    placed = sk.centre_voiced(samples, 30)
    np.testing.assert_array_equal(np.flatnonzero(placed), np.arange(10, 20))
    np.testing.assert_array_equal(sk.centre_voiced(np.arange(1.0, 11.0), 4), [4.0, 5.0, 6.0, 7.0])
    with pytest.raises(ValueError, match='silent'):
        sk.centre_voiced(np.zeros(10), 4)
