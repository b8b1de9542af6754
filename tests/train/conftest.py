"""A BERT pre-training run shared by the transfer tests (config.init)."""

import os

import pytest

from tests.conftest import REPO

BERT_CONFIG = os.path.join(REPO, 'configs', 'bert.py')
SHORT = {'steps': '4', 'eval_every': '2', 'checkpoint.every': '2', 'optim.warmup': '1'}


@pytest.fixture(scope='session')
def pretrained(tmp_path_factory) -> str:
    """The workdir of `configs/bert.py:smoke` trained for 4 steps (checkpoints 2 and 4)."""
    from seqlab import launcher  # here: importing jax must follow tests/conftest.py's environment

    workdir = str(tmp_path_factory.mktemp('bert') / 'pretrain')
    launcher.run(f'{BERT_CONFIG}:smoke', SHORT, workdir, 'train')
    return workdir


@pytest.fixture
def data_opened_once(monkeypatch):
    """`preflight.open_data` remembered per (config.data, seed) for one test: the training, eval
    and predict runs of one workdir read the same Splits instead of opening the dataset again
    (for Fashion-MNIST ~9 s each: carving validation from 60k train records and caching them).
    The Splits are what a fresh call returns: `data.get` depends on these and the process only."""
    from seqlab.train import preflight

    opened, open_data = {}, preflight.open_data

    def remembered(config):
        key = (config.data.to_json(sort_keys=True), config.seed)
        if key not in opened:
            opened[key] = open_data(config)
        return opened[key]

    monkeypatch.setattr(preflight, 'open_data', remembered)
    return opened
