"""The asynchronous checkpoint writer fails: once the first checkpoint has committed, the running
process's file-size limit is lowered (`prlimit`, RLIMIT_FSIZE) below the size of a checkpoint's
files, so every further write fails as on a full disk (EFBIG). The error surfaces at the next save
or at exit as one clear line naming the step, retention deletes nothing, the last good checkpoint
survives, and the same command resumes from it once the disk has room."""

import os
import resource

import pytest

from tests.reliability import runs
from tests.reliability.inotify import Watch

SPEC = 'configs/vit.py:smoke'
# keep=1: a successful save of step 16 would delete step 8.
OVERRIDES = {'checkpoint.every': 8, 'checkpoint.keep': 1, 'eval_every': 12, 'log_every': 1}
LIMIT = 16 * 1024  # bytes: above the logs this run writes, below its checkpoint files


def fill_disk_after_first_commit(run: runs.Launch, directory: str) -> None:
    with Watch(directory) as watch:
        while True:
            event = watch.next(runs.TIMEOUT)
            assert event is not None, f'no checkpoint committed:\n{run.stderr[-3000:]}'
            if event.kind == 'moved_to' and event.name == '8':
                resource.prlimit(run.pid, resource.RLIMIT_FSIZE, (LIMIT, LIMIT))
                return


@pytest.mark.parametrize('steps, surfaces', [(16, 'at exit'), (24, 'at the next save')])
def test_failed_write_is_reported_and_deletes_nothing(tmp_path, steps, surfaces):
    directory = tmp_path / 'checkpoints'
    directory.mkdir()
    overrides = {**OVERRIDES, 'steps': steps}
    run = runs.Launch(SPEC, overrides, tmp_path)
    fill_disk_after_first_commit(run, str(directory))
    code = run.wait()
    error = run.stderr.strip().splitlines()[-1]
    assert code == 2, f'exit code {code} ({surfaces}):\n{run.stderr[-3000:]}'
    assert error.startswith(f'error: writing checkpoint step 16 to {directory} failed: '), error
    assert 'File too large' in error and error.endswith('the newest committed checkpoint is step 8')
    assert runs.checkpoint_steps(tmp_path) == [8]  # retention deleted nothing
    assert runs.last_logged_step(tmp_path) == steps  # training went on until the error surfaced

    rerun = runs.Launch(SPEC, overrides, tmp_path)  # the disk has room again
    rerun.finished()
    assert 'at step 8;' in rerun.stderr
    assert not [name for name in os.listdir(directory) if 'tmp' in name]
    assert runs.checkpoint_steps(tmp_path)[-1] == steps
