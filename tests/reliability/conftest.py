"""Fixtures shared by the reliability tests."""

import pytest


@pytest.fixture
def workdir(tmp_path):
    """An existing workdir with a file of the user's in it."""
    path = tmp_path / 'run'
    path.mkdir()
    (path / 'notes.txt').write_text('keep me')
    return path
