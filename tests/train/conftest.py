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
