"""`imagefolder:<dir>`: class folders into a vision dataset, split by folder or by a hash of the
relative path, prepared once per folder content, every bad input one line with nothing cached."""

import pathlib

import numpy as np
import PIL.Image
import pytest
import sklearn.datasets

from seqlab import config_defaults, data
from seqlab.config import ConfigError
from seqlab.data import holdout
from seqlab.data.files import layout

DIGITS = sklearn.datasets.load_digits()


def write_digits(root: pathlib.Path, count: int, sizes=(8,), prefix: str = '') -> dict[str, int]:
    """sklearn's first `count` digits as grey PNGs in `root/<prefix><digit>/<index>.png` (side
    cycling through `sizes`): relative path -> digit."""
    written = {}
    for index in range(count):
        digit = int(DIGITS.target[index])
        side = sizes[index % len(sizes)]
        pixels = (DIGITS.images[index] * 255 / 16).astype(np.uint8)
        path = root / f'{prefix}{digit}' / f'{index:04d}.png'
        path.parent.mkdir(parents=True, exist_ok=True)
        PIL.Image.fromarray(pixels).resize((side, side), PIL.Image.NEAREST).save(path)
        written[path.relative_to(root).as_posix()] = digit
    return written


def cached_files(tmp_path: pathlib.Path) -> list[pathlib.Path]:
    """The files in the test's data directory, its lock files aside."""
    return [p for p in (tmp_path / 'cache').rglob('*') if p.is_file() and p.suffix != '.lock']


def config(root: pathlib.Path, tmp_path: pathlib.Path, **overrides):
    data_config = config_defaults.vision_data(f'imagefolder:{root}', batch_size=4)
    data_config.update(data_dir=str(tmp_path / 'cache'), eval_batch_size=8, **overrides)
    return data_config


def sources(splits) -> dict[int, tuple[str, str]]:
    """id -> (split, relative path), from the `sources.tsv` asset."""
    lines = pathlib.Path(splits.info.assets['sources.tsv']).read_text().splitlines()
    return {int(i): (split, path) for i, split, path in (line.split('\t') for line in lines)}


def eval_examples(splits) -> dict[int, tuple[np.ndarray, int]]:
    """id -> (image, label) of every real example of the eval split."""
    examples = {}
    for batch in splits.eval:
        for i, image, label, mask in zip(
            batch['id'], batch['image'], batch['label'], batch['mask'], strict=True
        ):
            if mask:
                examples[int(i)] = (image, int(label))
    return examples


def test_ids_join_back_to_the_files_with_their_pixels_and_class(tmp_path):
    written = write_digits(tmp_path / 'digits', 60)
    splits = data.get(config(tmp_path / 'digits', tmp_path), seed=0)
    assert splits.info.extras['class_names'] == tuple(str(d) for d in range(10))
    assert splits.info.input_shape == (8, 8, 1)
    by_id = sources(splits)
    assert sorted(path for _, path in by_id.values()) == sorted(written)
    examples = eval_examples(splits)
    assert examples and all(by_id[i][0] == 'validation' for i in examples)
    for i, (image, label) in examples.items():
        path = by_id[i][1]
        assert splits.info.extras['class_names'][label] == str(written[path])
        assert image.dtype == np.uint8  # scaled to [0, 1] on the device, by the jitted step
        np.testing.assert_array_equal(
            image[..., 0], np.asarray(PIL.Image.open(tmp_path / 'digits' / path))
        )


def test_the_carve_is_the_hash_of_the_relative_path_disjoint_and_complete(tmp_path):
    written = write_digits(tmp_path / 'digits', 60)
    splits = data.get(config(tmp_path / 'digits', tmp_path), seed=0)
    for split, path in sources(splits).values():
        assert split == holdout.carved_split(path)
    counts = {s: sum(split == s for split, _ in sources(splits).values()) for s in layout.SPLITS}
    assert sum(counts.values()) == len(written) and min(counts.values()) > 0
    assert splits.info.num_train == counts['train'] and splits.info.num_eval == counts['validation']


def test_split_folders_are_used_as_given_and_a_missing_test_split_is_carved(tmp_path):
    root = tmp_path / 'digits'
    train = write_digits(root / 'train', 40)
    validation = write_digits(root / 'validation', 12)
    splits = data.get(config(root, tmp_path), seed=0)
    rows = sources(splits).values()
    assert {path for split, path in rows if split == 'validation'} == {
        f'validation/{path}' for path in validation
    }
    assert {path for split, path in rows if split != 'validation'} == {f'train/{p}' for p in train}
    assert all(
        split == holdout.carved_split(path, ('test',))
        for split, path in rows
        if split != 'validation'
    )


def test_an_edited_folder_is_prepared_again_and_an_unchanged_one_is_not(tmp_path):
    root = tmp_path / 'digits'
    write_digits(root, 40)
    first = data.get(config(root, tmp_path), seed=0)
    info_file = pathlib.Path(first.info.assets['sources.tsv']).with_name('dataset_info.json')
    stamp = info_file.stat().st_mtime_ns
    again = data.get(config(root, tmp_path), seed=0)
    assert again.info.assets == first.info.assets and info_file.stat().st_mtime_ns == stamp
    path = root / '0' / '0000.png'
    PIL.Image.fromarray(np.full((8, 8), 255, np.uint8)).save(path)
    edited = data.get(config(root, tmp_path), seed=0)
    assert edited.info.assets['sources.tsv'] != first.info.assets['sources.tsv']


def test_mixed_sizes_are_refused_naming_two_unless_resized_to_image_size(tmp_path):
    root = tmp_path / 'digits'
    write_digits(root, 40, sizes=(8, 12))
    with pytest.raises(
        ConfigError, match=r'images differ in size \(0/0000.png is 8x8, 1/0001.png is 12x12'
    ) as error:
        data.get(config(root, tmp_path), seed=0)
    assert '\n' not in str(error.value)
    assert cached_files(tmp_path) == []
    splits = data.get(config(root, tmp_path, image_size=(10, 6)), seed=0)
    assert splits.info.input_shape == (10, 6, 1)
    assert next(iter(splits.train))['image'].shape == (4, 10, 6, 1)


def bad_folder(root: pathlib.Path, case: str) -> None:
    write_digits(root, 40)
    if case == 'empty class':
        (root / 'empty').mkdir()
    elif case == 'unreadable':
        (root / '3' / 'broken.png').write_bytes(b'not a png')
    elif case == 'truncated':
        whole = (root / '3' / '0003.png').read_bytes()
        (root / '3' / '0003.png').write_bytes(whole[: len(whole) // 2])
    elif case == 'loose image':
        (root / 'loose.png').write_bytes((root / '0' / '0000.png').read_bytes())


@pytest.mark.parametrize(
    ('case', 'message'),
    [
        (
            'missing',
            r"imagefolder:.*nowhere': .*nowhere does not exist as a folder; allowed: a folder",
        ),
        (
            'empty class',
            r'class folder digits/empty has no files ending in .bmp, .*; allowed: at least one',
        ),
        ('unreadable', r'3/broken.png is not a readable image \(PIL cannot identify its format\)'),
        ('truncated', r'3/0003.png is not a readable image \(.*\); allowed: whole image files'),
        ('loose image', r'loose.png is not in a class folder; allowed: digits/<class>/<file>'),
    ],
)
def test_bad_folders_are_one_line_and_cache_nothing(tmp_path, case, message):
    root = tmp_path / ('nowhere' if case == 'missing' else 'digits')
    if case != 'missing':
        bad_folder(root, case)
    with pytest.raises(ConfigError, match=message) as error:
        data.get(config(root, tmp_path), seed=0)
    assert '\n' not in str(error.value)
    assert cached_files(tmp_path) == []


@pytest.mark.parametrize('size', [0.5, (8,), (8, 0), 'big'])
def test_a_bad_image_size_is_one_line(tmp_path, size):
    with pytest.raises(
        ConfigError, match=r'config.data.image_size=.* is not allowed; allowed: an int'
    ):
        data.check(config(tmp_path, tmp_path, image_size=size))
