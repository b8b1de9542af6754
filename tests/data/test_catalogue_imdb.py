"""`tfds:imdb_reviews` prepared for real by its TFDS builder from an aclImdb_v1.tar.gz the test
writes, read as text and trained a few steps by configs/text_cnn.py with no other override than
the data name.

The builder reads its archive through TensorFlow, so this test skips in the main suite (which runs
without TensorFlow, as a user's install does); scripts/test.sh runs it in .venv-tfds (marker
needs_tensorflow), where SEQLAB_TENSORFLOW_TESTS=1 makes a missing TensorFlow a failure.
"""

import io
import os
import pathlib
import tarfile

import pytest

from seqlab import data
from seqlab.data import holdout
from seqlab.data.tokenizers import load_tokenizer
from tests.data.catalogue_files import assert_trains, eval_texts, serve, smoke_config

pytestmark = pytest.mark.needs_tensorflow
if os.environ.get('SEQLAB_TENSORFLOW_TESTS'):  # scripts/test.sh's second stage: it must run
    import tensorflow  # noqa: F401
else:
    pytest.importorskip(
        'tensorflow', reason='the imdb_reviews builder reads through TensorFlow: scripts/test.sh'
    )

WORDS = {'neg': ('dull', 'awful', 'boring'), 'pos': ('great', 'superb', 'moving')}
REVIEWS = {  # split -> [(file name under <split>/<label>/, label, text)]
    split: [
        (f'{i}_{label}.txt', label, f'{WORDS[label][i % 3]} film {split} {i}')
        for label in ('neg', 'pos')
        for i in range(count)
    ]
    for split, count in (('train', 12), ('test', 4))
}
UNLABELLED = [f'unlabelled review {i}' for i in range(3)]


def write_imdb(root: pathlib.Path) -> pathlib.Path:
    """aclImdb_v1.tar.gz as the builder downloads it: aclImdb/{train,test}/{neg,pos}/*.txt and
    aclImdb/train/unsup/*.txt (the unlabelled split)."""
    root.mkdir(parents=True)
    archive = root / 'aclImdb_v1.tar.gz'
    members = [
        (f'aclImdb/{split}/{label}/{name}', text)
        for split, rows in REVIEWS.items()
        for name, label, text in rows
    ]
    members += [(f'aclImdb/train/unsup/{i}_0.txt', text) for i, text in enumerate(UNLABELLED)]
    with tarfile.open(archive, 'w:gz') as tar:
        for path, text in members:
            payload = text.encode()
            info = tarfile.TarInfo(path)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return archive


def test_imdb_reviews_prepared_from_its_archive_train_a_text_config(tmp_path, monkeypatch):
    asked = serve(monkeypatch, write_imdb(tmp_path / 'download'))
    config = smoke_config(
        'configs/text_cnn.py:smoke',
        tmp_path,
        **{'data.name': 'tfds:imdb_reviews', 'data.eval_split': 'test'},
    )
    splits = data.get(config.data, seed=0)
    assert asked == ['http://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz']
    assert splits.info.extras['class_names'] == ('neg', 'pos')
    kept = sum(not holdout.held_out(position) for position in range(24))  # validation carved
    assert (splits.info.num_train, splits.info.num_eval) == (kept, 8)
    tokenizer = load_tokenizer(splits.info.assets['tokenizer.json'])
    expected = sorted(
        (tuple(tokenizer.encode(text)[: config.data.max_length]), ('neg', 'pos').index(label))
        for _, label, text in REVIEWS['test']
    )
    assert eval_texts(splits) == expected
    assert_trains(config, tmp_path)
