"""--mode=eval reproduces the training run's final evaluation; --mode=predict writes one prediction
for every eval example."""

import os
import sys

import numpy as np

from seqlab import launcher
from seqlab.train import loop, metrics_log
from tests.conftest import REPO


def test_eval_and_predict_after_training(tmp_path, data_opened_once):
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

    # --mode=eval --split=test reproduces the test metrics logged once at the end of training.
    tested = loop.evaluate(config, workdir, split='test')
    assert tested['test/accuracy'] == trained['test/accuracy'] and tested['split'] == 'test'
    assert tested['test/loss'] == trained['test/loss']
    assert os.path.exists(os.path.join(workdir, 'test_24.json'))

    predictions = np.load(loop.predict(config, workdir))
    ids = predictions['id']
    assert len(ids) == len(set(ids.tolist())) == loop.Run(config, workdir).plan.splits.info.num_eval
    accuracy = np.mean(predictions['prediction'] == predictions['label'])
    np.testing.assert_allclose(accuracy, trained['eval/accuracy'], rtol=1e-6)


sys.path.insert(0, os.path.join(REPO, 'experiments'))
import score_fashion_mnist  # noqa: E402  (the outside scorer: numpy and Debian's label file only)


def test_test_split_once_at_the_end_and_predictions_join_the_source_files(
    tmp_path, data_opened_once
):
    """Trained on train minus the carved validation, selected on validation (eval/), tested once
    at the end (test/); `--mode=predict --split=test` rows are the official t10k files' examples
    in their order, so an outside scorer reading only Debian's labels gets the logged accuracy.
    The modes share the opened splits (`data_opened_once`): opening Fashion-MNIST is most of
    each mode's time, and what is tested here is what each mode does with them."""
    overrides = {'data.name': 'fashion_mnist', 'steps': '3', 'data.eval_batch_size': '500'}
    config = launcher.load_config(os.path.join(REPO, 'configs/vit.py:smoke'), overrides)
    workdir = str(tmp_path / 'run')
    trained = loop.train_and_evaluate(config, workdir)
    logged = [r for r in metrics_log.read(workdir) if any(k.startswith('test/') for k in r)]
    assert [r['step'] for r in logged] == [3] and logged[0]['test/accuracy'] == trained[
        'test/accuracy'
    ]

    # --mode=eval --split=test is checked on digits (test_eval_and_predict_after_training): here
    # the predictions of the 10k test examples are scored against the logged test/accuracy.
    predictions = loop.predict(config, workdir, split='test')
    rows = np.load(predictions)
    np.testing.assert_array_equal(rows['id'], np.arange(10_000))
    labels = score_fashion_mnist.official_labels(score_fashion_mnist.DEBIAN_LABELS)
    np.testing.assert_array_equal(rows['label'], labels)
    accuracy, count = score_fashion_mnist.score(predictions, score_fashion_mnist.DEBIAN_LABELS)
    assert count == 10_000
    np.testing.assert_allclose(accuracy, trained['test/accuracy'], rtol=1e-6)

    validation = np.load(loop.predict(config, workdir))  # config.data.eval_split: validation
    assert np.all(np.diff(validation['id']) > 0) and 5_000 < len(validation['id']) < 7_000
    assert len(data_opened_once) == 2  # eval split validation (train, eval, predict), test
