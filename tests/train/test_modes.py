"""--mode=eval reproduces the training run's final evaluation; --mode=predict writes one prediction
for every eval example."""

import os

import numpy as np

from seqlab import launcher
from seqlab.train import loop
from tests.conftest import REPO


def test_eval_and_predict_after_training(tmp_path):
    config = launcher.load_config(os.path.join(REPO, 'configs/vit.py:smoke'), {})
    workdir = str(tmp_path / 'run')
    trained = loop.train_and_evaluate(config, workdir)

    evaluated = loop.evaluate(config, workdir)
    assert evaluated['step'] == 24
    assert evaluated['eval/accuracy'] == trained['eval/accuracy']
    assert evaluated['eval/loss'] == trained['eval/loss']
    assert os.path.exists(os.path.join(workdir, 'eval_24.json'))

    earlier = loop.evaluate(config, workdir, step=16)
    assert earlier['step'] == 16

    predictions = np.load(loop.predict(config, workdir))
    ids = predictions['id']
    assert len(ids) == len(set(ids.tolist())) == loop.Run(config, workdir).plan.splits.info.num_eval
    accuracy = np.mean(predictions['prediction'] == predictions['label'])
    np.testing.assert_allclose(accuracy, trained['eval/accuracy'], rtol=1e-6)
