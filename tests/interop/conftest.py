"""The transformers checkpoint of each test module, loaded by seqlab."""

import pytest

from seqlab import interop


@pytest.fixture(scope='module')
def loaded(checkpoint):
    """(seqlab model, variables) of the module's `checkpoint` fixture, (directory, model)."""
    return interop.from_transformers(checkpoint[0])
