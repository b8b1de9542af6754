"""--mode=predict on an image folder: each prediction row joins, through its id and the run's
`assets/sources.tsv`, back to the file it was made from."""

import os

import numpy as np

from seqlab import launcher
from seqlab.data import holdout
from seqlab.train import loop
from tests.conftest import REPO
from tests.data.test_files_images import write_digits


def test_predictions_join_back_to_their_files_and_classes(tmp_path):
    written = write_digits(tmp_path / 'digits', 60, sizes=(8, 10))
    config = launcher.load_config(os.path.join(REPO, 'configs/vit.py:smoke'), {})
    config.data.update(name=f'imagefolder:{tmp_path / "digits"}', image_size=8, batch_size=8)
    config.update(steps='2', eval_every='2', log_every='1')
    config.checkpoint.every = '2'
    workdir = str(tmp_path / 'run')
    loop.train_and_evaluate(config, workdir)
    predictions = np.load(loop.predict(config, workdir, split='test'))
    lines = open(os.path.join(workdir, 'assets', 'sources.tsv')).read().splitlines()
    paths = {int(i): path for i, _, path in (line.split('\t') for line in lines)}
    joined = [paths[int(i)] for i in predictions['id']]
    assert sorted(joined) == sorted(p for p in written if holdout.carved_split(p) == 'test')
    classes = [str(written[path]) for path in joined]
    names = sorted({str(digit) for digit in written.values()})
    assert [names[label] for label in predictions['label']] == classes
    assert predictions['prediction'].shape == predictions['id'].shape
