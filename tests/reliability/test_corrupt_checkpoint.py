"""Committed checkpoints are corrupted on disk (the newest has a data file truncated, the one
before bytes of its metadata flipped): rerunning the command names each path, falls back to the
last readable step, sets the bad ones aside and trains on. With no readable checkpoint left it
refuses with instructions and changes nothing — never a silent fresh start. Both start from copies
of the shared `smoke_run` (tests/reliability/conftest.py: checkpoints at 8, 16 and 24)."""

import os
import shutil

from tests.reliability import runs

SPEC = 'configs/vit.py:smoke'


def truncate_largest_array_file(step_dir: str) -> str:
    files = [os.path.join(root, name) for root, _, names in os.walk(step_dir) for name in names]
    largest = max(files, key=os.path.getsize)
    with open(largest, 'r+b') as f:
        f.truncate(os.path.getsize(largest) // 2)
    return largest


def flip_bytes(path: str, count: int = 8) -> None:
    with open(path, 'r+b') as f:
        head = f.read(count)
        f.seek(0)
        f.write(bytes(b ^ 0xFF for b in head))


def test_corrupt_checkpoints_fall_back_or_refuse(tmp_path, smoke_run):
    trained, refusing = tmp_path / 'trained', tmp_path / 'all_corrupt'
    shutil.copytree(smoke_run.workdir, trained)
    assert runs.checkpoint_steps(trained) == [8, 16, 24]
    shutil.copytree(trained, refusing)
    directory = trained / 'checkpoints'
    truncate_largest_array_file(str(directory / '24'))
    flip_bytes(str(directory / '16' / 'state' / '_METADATA'))
    for step in ('8', '16', '24'):
        flip_bytes(str(refusing / 'checkpoints' / step / '_CHECKPOINT_METADATA'))
        truncate_largest_array_file(str(refusing / 'checkpoints' / step))
    before = runs.snapshot(refusing)

    rerun = runs.Launch(SPEC, {'steps': 32}, trained)  # to train on
    refused = runs.Launch(SPEC, {'steps': 32}, refusing)
    rerun.finished()
    for step in (24, 16):
        assert f'checkpoint {directory}/{step} is unreadable' in rerun.stderr, rerun.stderr[-3000:]
        assert f'moved unreadable checkpoint {directory}/{step} aside' in rerun.stderr
        assert (directory / f'{step}.unreadable').is_dir()
    assert f'resumed from {directory} at step 8;' in rerun.stderr
    assert runs.checkpoint_steps(trained)[-1] == 32
    assert list(runs.metric(trained, 'train/loss')) == list(range(1, 33))

    assert refused.wait() == 2
    errors = [line for line in refused.stderr.splitlines() if line.startswith('error: ')]
    assert len(errors) == 1, refused.stderr[-3000:]  # between orbax's logs of the failed reads
    error = errors[0]
    checkpoints = refusing / 'checkpoints'
    assert error.startswith(f'error: no readable checkpoint in {checkpoints}: '), error
    assert all(f'{checkpoints}/{step}: ' in error for step in (8, 16, 24)), error
    assert error.endswith(f'to train from scratch, move {checkpoints} aside'), error
    assert runs.snapshot(refusing) == before
