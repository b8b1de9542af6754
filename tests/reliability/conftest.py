"""Fixtures shared by the reliability tests."""

import pytest

from tests.reliability import runs


@pytest.fixture
def workdir(tmp_path):
    """An existing workdir with a file of the user's in it."""
    path = tmp_path / 'run'
    path.mkdir()
    (path / 'notes.txt').write_text('keep me')
    return path


@pytest.fixture(scope='session')
def smoke_run(tmp_path_factory) -> runs.Launch:
    """One finished `configs/vit.py:smoke` run at the config's own settings (24 steps, each logged,
    evaluated at 12 and 24, checkpointed at 8, 16 and 24), launched with JAX_LOG_COMPILES=1: one
    launch for the tests that read such a run, or resume or corrupt a copy of its workdir, instead
    of one launch each. Its workdir is `.workdir`; nothing may write there."""
    workdir = tmp_path_factory.mktemp('smoke_run') / 'run'
    run = runs.Launch('configs/vit.py:smoke', {}, workdir, env=runs.LOG_COMPILES)
    run.finished()
    return run
