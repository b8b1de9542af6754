"""Dataset assets: copied atomically into <workdir>/assets when a run starts, checked on every later
run of the workdir (a changed tokenizer is a one-line ConfigError), read from there by generate."""

import os

import pytest

from seqlab import launcher
from seqlab.config import ConfigError
from seqlab.data.tokenizers import TOKENIZER_ASSET
from seqlab.train import assets, loop
from tests.conftest import REPO


def test_sync_copies_then_checks(tmp_path):
    source = tmp_path / 'tokenizer_train.json'
    source.write_text('{"kind": "byte"}')
    workdir = tmp_path / 'run'
    copies = assets.sync({'tokenizer.json': str(source)}, str(workdir))
    copy = workdir / 'assets' / 'tokenizer.json'
    assert copies == {'tokenizer.json': str(copy)}
    assert copy.read_text() == source.read_text()
    assert os.listdir(workdir / 'assets') == ['tokenizer.json']  # no partial file left
    before = copy.stat().st_mtime_ns
    assert assets.sync({'tokenizer.json': str(source)}, str(workdir)) == copies
    assert copy.stat().st_mtime_ns == before  # checked, not rewritten
    source.write_text('{"kind": "char", "pieces": ["a"]}')
    with pytest.raises(ConfigError, match="asset 'tokenizer.json' changed since this run") as error:
        assets.sync({'tokenizer.json': str(source)}, str(workdir))
    assert '\n' not in str(error.value) and str(source) in str(error.value)
    assert copy.read_text() == '{"kind": "byte"}'  # the run's copy is kept


def test_runs_save_the_tokenizer_and_refuse_a_changed_one(tmp_path, monkeypatch):
    config = launcher.load_config(os.path.join(REPO, 'configs', 'seq2seq.py:smoke'), {})
    config.steps = '2'
    config.generate.inputs = ('1999', '2021 5')  # characters the tiny training split has
    workdir = tmp_path / 'run'
    run = loop.Run(config, str(workdir))
    source = run.plan.splits.info.assets[TOKENIZER_ASSET]
    run.train()
    copy = workdir / 'assets' / TOKENIZER_ASSET
    assert copy.read_bytes() == open(source, 'rb').read()
    outputs = loop.generate(config, str(workdir))
    assert len(open(outputs, encoding='utf-8').read().splitlines()) == len(config.generate.inputs)
    copy.write_text(copy.read_text().replace('"pieces": [', '"pieces": ["~", '))
    config.steps = '4'

    def compiled_train_step(*args, **kwargs):
        raise AssertionError('the train step was compiled before the changed asset was refused')

    monkeypatch.setattr(loop.Run, 'compiled_train_step', compiled_train_step)
    for resume in (loop.train_and_evaluate, loop.generate):
        with pytest.raises(ConfigError, match='changed since this run started'):
            resume(config, str(workdir))
    assert [d for d in os.listdir(workdir / 'checkpoints') if d.isdigit()] == ['2']
