"""Checkpointer: retention keeps the newest N plus the best, interrupted saves are never latest,
unreadable checkpoints fall back to the previous step with an error naming the path."""

import logging
import os
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from seqlab.train.checkpoint import Checkpointer, CheckpointError, one_line


def tree(step):
    return {'w': jnp.full((4, 3), float(step)), 'step': jnp.asarray(step)}


ABSTRACT = jax.eval_shape(lambda: tree(0))


def save_all(ckpt, accuracies):
    for step, accuracy in enumerate(accuracies, start=1):
        ckpt.save(step, tree(step), {'next_index': step}, metrics={'eval/accuracy': accuracy})
        ckpt.wait()


def test_keeps_newest_n_and_best(tmp_path):
    ckpt = Checkpointer(str(tmp_path), keep=2, best_metric='eval/accuracy', best_mode='max')
    save_all(ckpt, [0.5, 0.9, 0.6, 0.4, 0.3, 0.2])  # the metric worsens after step 2
    assert ckpt.all_steps() == [2, 5, 6]
    ckpt.close()


def test_best_mode_min(tmp_path):
    ckpt = Checkpointer(str(tmp_path), keep=1, best_metric='eval/accuracy', best_mode='min')
    save_all(ckpt, [0.5, 0.1, 0.6, 0.4])
    assert ckpt.all_steps() == [2, 4]
    ckpt.close()


def test_steps_without_metrics_are_kept_only_as_newest(tmp_path):
    ckpt = Checkpointer(str(tmp_path), keep=2, best_metric='eval/accuracy')
    save_all(ckpt, [0.7])
    for step in (2, 3, 4):
        ckpt.save(step, tree(step), {'next_index': step})
        ckpt.wait()
    assert ckpt.all_steps() == [1, 3, 4]
    ckpt.close()


def test_best_survives_a_restart(tmp_path):
    """A resumed run knows the metrics of the steps saved before it started (they are on disk)."""
    ckpt = Checkpointer(str(tmp_path), keep=2, best_metric='eval/accuracy')
    save_all(ckpt, [0.9, 0.5, 0.4])
    ckpt.close()
    resumed = Checkpointer(str(tmp_path), keep=2, best_metric='eval/accuracy')
    for step, accuracy in ((4, 0.3), (5, 0.2)):
        resumed.save(step, tree(step), {'next_index': step}, metrics={'eval/accuracy': accuracy})
        resumed.wait()
    assert resumed.all_steps() == [1, 4, 5]
    resumed.close()


def test_restore_round_trip_and_data_state(tmp_path):
    ckpt = Checkpointer(str(tmp_path), keep=3)
    save_all(ckpt, [0.1, 0.2])
    state, data_state, step = ckpt.restore(ABSTRACT)
    assert step == 2 and data_state == {'next_index': 2}
    np.testing.assert_array_equal(state['w'], np.full((4, 3), 2.0))
    ckpt.close()


def test_interrupted_save_is_never_latest_and_is_cleaned(tmp_path):
    ckpt = Checkpointer(str(tmp_path), keep=3)
    save_all(ckpt, [0.1, 0.2])
    ckpt.close()
    partial = tmp_path / '3.orbax-checkpoint-tmp'
    partial.mkdir()
    (partial / 'half_written').write_bytes(b'\0' * 10)
    reopened = Checkpointer(str(tmp_path), keep=3)
    assert reopened.latest_step() == 2
    deadline = time.time() + 20  # orbax removes leftovers in the background
    while partial.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert not partial.exists()
    reopened.close()


def test_corrupt_latest_falls_back_naming_path(tmp_path, caplog):
    ckpt = Checkpointer(str(tmp_path), keep=3)
    save_all(ckpt, [0.1, 0.2])
    ckpt.close()
    for root, _, files in os.walk(tmp_path / '2' / 'state'):
        for name in files:
            with open(os.path.join(root, name), 'r+b') as f:
                f.truncate(3)
    reopened = Checkpointer(str(tmp_path), keep=3)
    with caplog.at_level(logging.ERROR):
        state, _, step = reopened.restore(ABSTRACT)
    assert step == 1 and float(state['w'][0, 0]) == 1.0
    assert f'{tmp_path}/2' in caplog.text
    reopened.close()


def test_no_readable_checkpoint_refuses(tmp_path):
    ckpt = Checkpointer(str(tmp_path), keep=3)
    with pytest.raises(CheckpointError, match='no checkpoint'):
        ckpt.restore(ABSTRACT)
    ckpt.close()


def test_a_failed_read_is_reported_in_one_line_without_the_tensorstore_spec():
    """orbax ends the message of a failed array read with TensorStore's spec (about 60 lines)."""
    error = Exception(
        'Encountered error while reading array index: (slice(0, 2, 1),). See full TensorStore '
        "details: <bound method spec of TensorStore({\n  'base': {'driver': 'zarr'},\n})>."
    )
    assert one_line(error) == (
        'Exception: Encountered error while reading array index: (slice(0, 2, 1),).'
    )
    assert one_line(ValueError('')) == 'ValueError'
