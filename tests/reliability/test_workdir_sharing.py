"""A workdir as users really treat it: two trainings started into it, eval while it trains, Ctrl-C.

- A second training into a workdir that is training is refused in one line naming the holder
  (pid, host, start time), before anything is compiled; once the holder is SIGKILLed its lock is
  stale and the next training takes it over, resumes, and logs every step once.
- eval, predict and figures on a workdir whose training is stopped (SIGSTOP) in the middle of a
  checkpoint write change nothing under `checkpoints/` — the in-flight temporary directory
  included — and read the newest committed step; the training then finishes. On a workdir without
  `checkpoints/` they fail in one line and do not create it.
- Ctrl-C (SIGINT) during training saves the current step and exits 130 with one line, no
  traceback; the same command resumes from that step.
"""

import json
import os
import signal

from tests.reliability import runs
from tests.reliability.test_bad_inputs import COMPILED
from tests.reliability.test_kill_during_save import stop_inside_a_save

SPEC = 'configs/vit.py:smoke'
# the smoke config's 24 steps: its programs are in the persistent compilation cache after other
# tests' launches
LONG = {'steps': 24, 'log_every': 1, 'eval_every': 12, 'checkpoint.every': 8}


def one_error_line(stderr: str) -> str:
    """A run's only stderr line (besides trace logs), which must be an `error: ` line."""
    lines = [line for line in stderr.strip().splitlines() if 'Finished tracing' not in line]
    assert not [line for line in lines if any(mark in line for mark in COMPILED)], stderr
    assert len(lines) == 1 and lines[0].startswith('error: '), stderr[-3000:]
    return lines[0]


def test_second_training_is_refused_and_a_killed_holders_lock_is_taken_over(tmp_path):
    first = runs.Launch(SPEC, LONG, tmp_path)
    first.until(lambda: runs.last_logged_step(tmp_path) >= 2, 'step 2 logged')
    os.kill(first.pid, signal.SIGSTOP)  # still holding the workdir while the second one starts

    code, stderr = runs.in_process(SPEC, LONG, tmp_path)  # the second: what launch.py runs
    assert code == 2, stderr[-3000:]
    error = one_error_line(stderr)
    assert f'is in use by another training (pid {first.pid} on host ' in error, error
    assert ', started 20' in error and 'UTC' in error, error

    first.process.kill()
    assert first.wait() == -signal.SIGKILL
    third = runs.Launch(SPEC, LONG, tmp_path)
    third.finished()
    assert f'taking over the stale lock of pid {first.pid} on host ' in third.stderr
    assert list(runs.metric(tmp_path, 'train/loss')) == list(range(1, LONG['steps'] + 1))
    assert (tmp_path / 'train.lock').read_text() == '', 'a clean exit empties the lock'


def tree_of(directory) -> dict[str, bytes]:
    """Every file and directory under `directory` (directories map to b'<dir>')."""
    found = runs.snapshot(directory)
    for root, names, _ in os.walk(directory):
        for name in names:
            found[os.path.relpath(os.path.join(root, name), directory)] = b'<dir>'
    return found


def test_read_only_modes_leave_a_training_workdir_alone(tmp_path):
    checkpoints = tmp_path / 'checkpoints'
    checkpoints.mkdir()  # watched before the run starts
    training = runs.Launch(SPEC, {**LONG, 'checkpoint.every': 4}, tmp_path)
    partial = stop_inside_a_save(training, str(checkpoints))
    committed = runs.checkpoint_steps(tmp_path)[-1]
    before = tree_of(checkpoints)
    try:
        for mode in ('eval', 'predict', 'figures'):  # in this process: what launch.py runs
            code, stderr = runs.in_process(SPEC, LONG, tmp_path, mode=mode)
            assert code == 0, stderr[-3000:]
            assert tree_of(checkpoints) == before, f'--mode={mode} changed {checkpoints}'
    finally:
        os.kill(training.pid, signal.SIGCONT)
    assert partial in before
    with open(tmp_path / f'eval_{committed}.json') as f:
        assert json.load(f)['step'] == committed
    assert (tmp_path / f'predictions_validation_{committed}.npz').is_file()
    training.finished()
    assert runs.checkpoint_steps(tmp_path)[-1] == LONG['steps']


def test_read_only_modes_do_not_create_the_checkpoint_directory(tmp_path):
    code, stderr = runs.in_process(SPEC, LONG, tmp_path, mode='eval')  # what launch.py runs
    assert code == 2
    assert 'no checkpoint in ' in one_error_line(stderr)
    assert not (tmp_path / 'checkpoints').exists()


def test_ctrl_c_saves_the_current_step_and_the_rerun_resumes(tmp_path):
    overrides = {**LONG, 'checkpoint.every': 100, 'eval_every': 100}
    run = runs.Launch(SPEC, overrides, tmp_path)
    assert run.signal_at(5, signal.SIGINT) == 130, run.stderr[-3000:]
    assert 'Traceback' not in run.stderr, run.stderr[-3000:]
    last = run.stderr.strip().splitlines()[-1]
    assert 'SIGINT: saved step ' in last, last
    saved = int(last.split('saved step ')[1].split(',')[0])
    assert saved >= 5 and runs.checkpoint_steps(tmp_path) == [saved]

    rerun = runs.Launch(SPEC, overrides, tmp_path)
    rerun.finished()
    assert f' at step {saved};' in rerun.stderr, rerun.stderr[-3000:]
    assert list(runs.metric(tmp_path, 'train/loss')) == list(range(1, LONG['steps'] + 1))
