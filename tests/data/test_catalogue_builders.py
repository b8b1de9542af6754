"""`tfds:` catalogue datasets prepared for real by their TFDS builders, from files the tests write
in the layout each builder downloads (tests/data/catalogue_files.py), then trained a few steps.

These builders prepare without TensorFlow once the download is served: ag_news_subset (text:
`label`, `title`, `description`) and food101 (vision: JPEGs of any size). The keys are matched
against the features before anything is downloaded; a mismatch is one line.
"""

import csv
import json
import pathlib

import numpy as np
import PIL.Image
import pytest

from seqlab import data
from seqlab.config import ConfigError
from seqlab.data import holdout
from seqlab.data.tokenizers import load_tokenizer
from seqlab.train import loop
from tests.data.catalogue_files import (
    assert_trains,
    eval_texts,
    prepared_files,
    serve,
    smoke_config,
)

# ag_news_subset: (class id from 1, title, description) rows, no header
NEWS = {
    'train': [
        (1 + i % 4, f'title {i}', f'{["war", "goal", "stock", "chip"][i % 4]} {i}')
        for i in range(40)
    ],
    'test': [
        (1 + i % 4, f'title t{i}', f'{["war", "goal", "stock", "chip"][i % 4]} t{i}')
        for i in range(8)
    ],
}


def write_news(root: pathlib.Path) -> pathlib.Path:
    """The ag_news_csv folder the builder downloads, its train.csv and test.csv."""
    folder = root / 'ag_news_csv'
    folder.mkdir(parents=True)
    for split, rows in NEWS.items():
        with (folder / f'{split}.csv').open('w', newline='') as f:
            csv.writer(f).writerows(rows)
    return root


def text_config(tmp_path, **overrides):
    return smoke_config(
        'configs/text_cnn.py:smoke',
        tmp_path,
        **{'data.name': 'tfds:ag_news_subset', 'data.eval_split': 'test', **overrides},
    )


def test_text_keys_are_checked_before_the_download(tmp_path, monkeypatch):
    asked = serve(monkeypatch, write_news(tmp_path / 'download'))
    with pytest.raises(ConfigError) as error:
        data.get(text_config(tmp_path).data, seed=0)
    assert str(error.value) == (
        "config.data.name='tfds:ag_news_subset' read as text: config.data.keys.text='text' is "
        'not a feature, and it has 2 Text features; its features: label (ClassLabel), title '
        '(Text), description (Text); allowed: --config.data.keys.text=title or '
        '--config.data.keys.text=description'
    )
    with pytest.raises(
        ConfigError, match=r"keys.label='topic' is not a feature, and it has 1 ClassLabel feature; "
    ):
        keys = {'data.keys.text': 'description', 'data.keys.label': 'topic'}
        data.get(text_config(tmp_path, **keys).data, seed=0)
    assert asked == [] and prepared_files(tmp_path) == []


def test_ag_news_descriptions_train_a_text_config(tmp_path, monkeypatch):
    serve(monkeypatch, write_news(tmp_path / 'download'))
    config = text_config(tmp_path, **{'data.keys.text': 'description'})
    splits = data.get(config.data, seed=0)
    assert splits.info.extras['class_names'] == ('World', 'Sports', 'Business', 'Sci/Tech')
    kept = sum(not holdout.held_out(position) for position in range(40))  # validation carved
    assert (splits.info.num_train, splits.info.num_eval) == (kept, 8)
    tokenizer = load_tokenizer(splits.info.assets['tokenizer.json'])
    length = config.data.max_length

    expected = sorted(
        (tuple(tokenizer.encode(text)[:length]), label - 1) for label, _, text in NEWS['test']
    )
    assert eval_texts(splits) == expected
    assert_trains(config, tmp_path)


# food101: food-101/images/<class>/<name>.jpg and food-101/meta/{train,test}.json
FOOD = {  # name: (class, grey level, (height, width))
    **{f'a{i}': ('apple_pie', 40 + 10 * i, (20 + i, 30)) for i in range(6)},
    **{f'w{i}': ('waffles', 160 + 10 * i, (40, 25 + 2 * i)) for i in range(6)},
}
FOOD_TEST = ('a0', 'w0', 'a1', 'w1')


def write_food(root: pathlib.Path) -> pathlib.Path:
    """Grey JPEGs of differing sizes (a grey level decodes exactly) and the split lists."""
    images, meta = root / 'food-101' / 'images', root / 'food-101' / 'meta'
    meta.mkdir(parents=True)
    lists = {'train': {}, 'test': {}}
    for name, (label, grey, size) in FOOD.items():
        (images / label).mkdir(parents=True, exist_ok=True)
        pixels = np.full((*size, 3), grey, np.uint8)
        PIL.Image.fromarray(pixels).save(images / label / f'{name}.jpg', quality=95)
        split = 'test' if name in FOOD_TEST else 'train'
        lists[split].setdefault(label, []).append(f'{label}/{name}')
    for split, classes in lists.items():
        (meta / f'{split}.json').write_text(json.dumps(classes))
    return root


def test_variable_size_images_need_image_size_before_the_download(tmp_path, monkeypatch):
    asked = serve(monkeypatch, write_food(tmp_path / 'download'))
    config = smoke_config('configs/vit.py:smoke', tmp_path, **{'data.name': 'tfds:food101'})
    with pytest.raises(ConfigError) as error:
        data.get(config.data, seed=0)
    assert str(error.value) == (
        "feature 'image' has variable shape (None, None, 3); allowed: "
        'config.data.image_size=<int> or (height, width) to resize the images'
    )
    assert asked == [] and prepared_files(tmp_path) == []


def test_food101_images_of_any_size_resized_train_a_vision_config(tmp_path, monkeypatch):
    serve(monkeypatch, write_food(tmp_path / 'download'))
    overrides = {
        'data.name': 'tfds:food101',
        'data.image_size': '16',
        'data.batch_size': '4',
        'data.test_split': '',
    }
    config = smoke_config('configs/vit.py:smoke', tmp_path, **overrides)
    splits = data.get(config.data, seed=0)
    names = splits.info.extras['class_names']
    assert splits.info.input_shape == (16, 16, 3) and len(names) == 101
    assert (splits.info.num_train, splits.info.num_eval) == (8, 4)
    seen = set()
    for batch in splits.eval:
        for image, label, real in zip(batch['image'], batch['label'], batch['mask'], strict=True):
            if real:
                matches = [
                    name
                    for name, (food, grey, _) in FOOD.items()
                    if names[label] == food and np.abs(image.astype(int) - grey).max() <= 1
                ]
                assert len(matches) == 1 and image.shape == (16, 16, 3)
                seen.add(matches[0])
    assert seen == set(FOOD_TEST)
    metrics = loop.train_and_evaluate(config, str(tmp_path / 'run'))
    assert np.isfinite(metrics['eval/loss'])
