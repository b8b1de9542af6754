"""The asynchronous checkpoint writer fails: once the first checkpoint has committed, the running
process's file-size limit is lowered (`prlimit`, RLIMIT_FSIZE) below the size of a checkpoint's
files, so every further write fails as on a full disk (EFBIG); or the checkpoint directory is made
read-only (chmod 555; a root run is started without CAP_DAC_OVERRIDE, so the mode binds it as it
binds any user). The error surfaces at the next save or at exit as one clear line naming the step
and the directory, retention deletes nothing, the last good checkpoint survives, and the same
command resumes from it once the disk has room."""

import os
import re
import resource
import subprocess

import pytest

from tests.reliability import runs
from tests.reliability.inotify import Watch

SPEC = 'configs/vit.py:smoke'
# The smoke config's 24 steps (its programs are in the persistent compilation cache after other
# tests' launches); keep=1: a successful second save would delete the first.
OVERRIDES = {'checkpoint.every': 8, 'checkpoint.keep': 1, 'eval_every': 12, 'log_every': 1}
LIMIT = 16 * 1024  # bytes: above the logs this run writes, below its checkpoint files


def fill_disk_after_first_commit(run: runs.Launch, directory: str, every: int) -> None:
    with Watch(directory) as watch:
        while True:
            event = watch.next(runs.TIMEOUT)
            assert event is not None, f'no checkpoint committed:\n{run.stderr[-3000:]}'
            if event.kind == 'moved_to' and event.name == str(every):
                resource.prlimit(run.pid, resource.RLIMIT_FSIZE, (LIMIT, LIMIT))
                return


def failing_run(workdir, every: int) -> None:
    """A 24-step run checkpointing every `every` steps whose second save fails: exit 2 with one
    clear line, nothing deleted."""
    directory = workdir / 'checkpoints'
    directory.mkdir(parents=True)
    run = runs.Launch(SPEC, {**OVERRIDES, 'checkpoint.every': every}, workdir)
    fill_disk_after_first_commit(run, str(directory), every)
    code = run.wait()
    assert code == 2, f'exit code {code}:\n{run.stderr[-3000:]}'
    # orbax logs its threads' tracebacks around it (and at shutdown): find seqlab's line
    errors = [line for line in run.stderr.splitlines() if line.startswith('error: ')]
    assert len(errors) == 1, run.stderr[-3000:]
    error = errors[0]
    failed = f'error: writing checkpoint step {2 * every} to {directory} failed: '
    assert error.startswith(failed), error
    assert 'File too large' in error
    assert error.endswith(f'the newest committed checkpoint is step {every}'), error
    assert runs.checkpoint_steps(workdir) == [every]  # retention deleted nothing
    assert runs.last_logged_step(workdir) == 24  # training went on until the error surfaced


def test_failed_write_surfaces_at_exit_or_next_save_and_deletes_nothing(tmp_path):
    failing_run(tmp_path / 'at_exit', 12)  # step 24 is the last save: the error comes at exit
    workdir = tmp_path / 'at_next_save'
    failing_run(workdir, 8)  # the save of step 24 reports the failure of step 16

    rerun = runs.Launch(SPEC, OVERRIDES, workdir)  # the disk has room again
    rerun.finished()
    assert 'at step 8;' in rerun.stderr
    assert not [name for name in os.listdir(workdir / 'checkpoints') if 'tmp' in name]
    assert runs.checkpoint_steps(workdir)[-1] == 24


# root, minus the capabilities that bypass file modes (as `setpriv` spells them)
WITHOUT_DAC_OVERRIDE = [
    'setpriv',
    '--bounding-set=-dac_override,-dac_read_search',
    '--inh-caps=-dac_override,-dac_read_search',
]


def bound_by_file_modes() -> list[str]:
    """A command prefix under which a chmod 555 directory refuses writes from this user."""
    if os.geteuid() != 0:
        return []
    if subprocess.run([*WITHOUT_DAC_OVERRIDE, 'true'], capture_output=True).returncode:
        pytest.skip('root cannot drop CAP_DAC_OVERRIDE here (setpriv failed): 555 binds nobody')
    return WITHOUT_DAC_OVERRIDE


def test_read_only_checkpoint_directory_surfaces_and_deletes_nothing(tmp_path):
    prefix = bound_by_file_modes()
    directory = tmp_path / 'checkpoints'
    directory.mkdir()
    overrides = {**OVERRIDES, 'steps': 24}
    run = runs.Launch(SPEC, overrides, tmp_path, prefix=prefix)
    with Watch(str(directory)) as watch:
        while (event := watch.next(runs.TIMEOUT)) is None or (event.kind, event.name) != (
            'moved_to',
            '8',
        ):
            assert event is not None, f'no checkpoint committed:\n{run.stderr[-3000:]}'
        directory.chmod(0o555)
    try:
        code = run.wait()
    finally:
        directory.chmod(0o755)
    assert code == 2, f'exit code {code}:\n{run.stderr[-3000:]}'
    errors = [line for line in run.stderr.splitlines() if line.startswith('error: ')]
    assert len(errors) == 1, run.stderr[-3000:]
    assert re.fullmatch(
        rf'error: (saving|writing checkpoint) step 16 to {re.escape(str(directory))} failed: '
        r'.*Permission denied.*',
        errors[0],
    ), errors[0]
    assert runs.checkpoint_steps(tmp_path) == [8]  # keep=1, and step 8 survives
    state, _, step = runs.restore(runs.run_for(SPEC, overrides, tmp_path))
    assert step == 8 and int(state.step) == 8
