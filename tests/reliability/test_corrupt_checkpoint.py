"""A committed checkpoint is corrupted on disk (a data file truncated, bytes of its metadata
flipped): rerunning the command names the path, falls back to the previous step, sets the bad one
aside and trains on. With no readable checkpoint left it refuses with instructions and changes
nothing — never a silent fresh start."""

import os
import shutil

from tests.reliability import runs

SPEC = 'configs/vit.py:smoke'
OVERRIDES = {'checkpoint.every': 8, 'eval_every': 8, 'log_every': 1}


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


def snapshot(workdir: str) -> dict[str, bytes]:
    """Every file under `workdir` by relative path (to prove nothing changed)."""
    files = {}
    for root, _, names in os.walk(workdir):
        for name in names:
            path = os.path.join(root, name)
            with open(path, 'rb') as f:
                files[os.path.relpath(path, workdir)] = f.read()
    return files


def test_corrupt_checkpoints_fall_back_or_refuse(tmp_path):
    trained = tmp_path / 'trained'
    runs.Launch(SPEC, {**OVERRIDES, 'steps': 16}, trained).finished()
    assert runs.checkpoint_steps(trained) == [8, 16]
    cases = {}
    for name in ('truncated', 'metadata', 'all'):
        shutil.copytree(trained, tmp_path / name)
        cases[name] = tmp_path / name / 'checkpoints'
    truncate_largest_array_file(str(cases['truncated'] / '16'))
    flip_bytes(str(cases['metadata'] / '16' / 'state' / '_METADATA'))
    for step in ('8', '16'):
        flip_bytes(str(cases['all'] / step / '_CHECKPOINT_METADATA'))
        truncate_largest_array_file(str(cases['all'] / step))
    before = snapshot(str(tmp_path / 'all'))

    reruns = {
        name: runs.Launch(SPEC, {**OVERRIDES, 'steps': 24}, directory.parent)
        for name, directory in cases.items()
    }
    for name in ('truncated', 'metadata'):
        rerun, directory = reruns[name], cases[name]
        rerun.finished()
        assert f'checkpoint {directory}/16 is unreadable' in rerun.stderr, rerun.stderr[-3000:]
        assert f'resumed from {directory} at step 8;' in rerun.stderr
        assert f'moved unreadable checkpoint {directory}/16 aside' in rerun.stderr
        assert (directory / '16.unreadable').is_dir()
        assert runs.checkpoint_steps(directory.parent)[-1] == 24
        assert list(runs.metric(directory.parent, 'train/loss')) == list(range(1, 25))

    refused = reruns['all']
    assert refused.wait() == 2
    error = refused.stderr.strip().splitlines()[-1]
    assert error.startswith(f'error: no readable checkpoint in {cases["all"]}: '), error
    assert f'{cases["all"]}/16: ' in error and f'{cases["all"]}/8: ' in error
    assert error.endswith(f'to train from scratch, move {cases["all"]} aside'), error
    assert snapshot(str(tmp_path / 'all')) == before
