"""Batches and models too big for the data or the machine are refused in one line, with the
numbers, before the workdir is touched (they used to hang for minutes at 100% CPU, ignoring
SIGTERM, or to repeat examples within a batch).

- A training batch larger than the train split: refused before anything is compiled.
- A train step whose compiled program needs more memory than the machine has (XLA's memory
  analysis of the compiled step against MemAvailable): refused after compiling, before any state
  exists or anything is written. The model is sized from this machine's free memory, so the test
  needs more than twice what is free, wherever it runs.
"""

import jax

from seqlab.train import memory
from tests.reliability import runs
from tests.reliability.test_bad_inputs import refused

SPEC = 'configs/vit.py:smoke'


def test_batch_larger_than_the_train_split(tmp_path):
    error = refused(SPEC, {'data.batch_size': 100_000_000}, tmp_path)
    assert error == (
        'error: config.data.batch_size=100000000 is larger than the train split of digits '
        '(1306 examples); allowed: at most 1306'
    )


def test_step_that_needs_more_memory_than_the_machine_has(tmp_path):
    free = memory.available_bytes(jax.devices('cpu')[0])[0]
    # smoke ViT: 2 blocks of width 16; each MLP holds 2 x 16 x mlp_dim weights, and the step keeps
    # parameters, gradients and two Adam moments (>= 16 bytes a weight): 64 x 16 bytes per unit
    mlp_dim = 2 * free // (64 * 16)
    before = runs.snapshot(tmp_path)
    run = runs.Launch(SPEC, {'model.kwargs.mlp_dim': mlp_dim}, tmp_path / 'run')
    assert run.wait() == 2, run.stderr[-3000:]
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr[-3000:]
    assert (
        lines[0].startswith('error: the train step (config.data.batch_size=32) needs ')
        and ' GiB per device (XLA memory analysis: ' in lines[0]
    ), lines[0]
    assert 'GiB are available host memory per CPU device; allowed: a smaller ' in lines[0]
    assert runs.snapshot(tmp_path) == before and not (tmp_path / 'run').exists()
