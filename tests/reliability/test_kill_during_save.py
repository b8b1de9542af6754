"""SIGKILL while a checkpoint is being written: the run is stopped (SIGSTOP) the moment its writer
has put the first file into the new checkpoint's temporary directory, then killed. The rerun
resumes from the previous committed step, removes the partial directory and trains to the end."""

import os
import re
import signal

from tests.reliability import runs
from tests.reliability.inotify import Watch

SPEC = 'configs/vit.py:smoke'
OVERRIDES = {'steps': 24, 'checkpoint.every': 4, 'eval_every': 12, 'log_every': 1}
TIMEOUT = runs.TIMEOUT


def stop_inside_a_save(run: runs.Launch, directory: str) -> str:
    """Stop `run` while its writer fills a temporary checkpoint directory, after at least one
    commit. -> the temporary directory's name."""
    with Watch(directory) as watch:
        committed = False
        while True:
            event = watch.next(TIMEOUT)
            assert event is not None, f'no checkpoint activity:\n{run.stderr[-3000:]}'
            if event.kind == 'moved_to' and event.name.isdigit():
                committed = True
            elif committed and event.kind == 'create' and 'orbax-checkpoint-tmp' in event.name:
                os.kill(run.pid, signal.SIGSTOP)
                partial = os.path.join(directory, event.name)
                with Watch(partial) as inside:
                    written = bool(os.listdir(partial))
                    os.kill(run.pid, signal.SIGCONT)
                    if written or inside.next(TIMEOUT) is not None:
                        os.kill(run.pid, signal.SIGSTOP)
                if os.path.isdir(partial) and os.listdir(partial):
                    return event.name
                os.kill(run.pid, signal.SIGCONT)  # that save was too quick: catch the next one


def test_sigkill_during_a_save_keeps_the_previous_step(tmp_path):
    directory = tmp_path / 'checkpoints'
    directory.mkdir()  # watched before the run starts
    run = runs.Launch(SPEC, OVERRIDES, tmp_path)
    partial = stop_inside_a_save(run, str(directory))
    committed = runs.checkpoint_steps(tmp_path)
    run.process.kill()
    assert run.wait() == -signal.SIGKILL
    step_of_partial = int(partial.split('.')[0])
    assert committed and committed[-1] < step_of_partial, (committed, partial)
    assert os.listdir(directory / partial), 'the killed save had started writing'

    rerun = runs.Launch(SPEC, OVERRIDES, tmp_path)
    rerun.finished()
    assert re.search(rf'resumed from \S+ at step {committed[-1]};', rerun.stderr), rerun.stderr
    assert not (directory / partial).exists(), f'partial checkpoint {partial} left behind'
    assert runs.checkpoint_steps(tmp_path)[-1] == OVERRIDES['steps']
    assert list(runs.metric(tmp_path, 'train/loss')) == list(range(1, OVERRIDES['steps'] + 1))
