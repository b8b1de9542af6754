"""Keep-newest-N plus keep-best retention while the eval metric only gets worse: every commit and
deletion in the checkpoint directory is recorded in kernel order (inotify) and replayed. At every
moment the newest step and the best step so far exist, a deletion never leaves fewer than the
newest N, and at the end exactly the newest N and the best remain.

The run treats the highest eval loss as best, so with a falling loss each eval is worse than the
best one."""

import threading

from tests.reliability import runs
from tests.reliability.inotify import Watch

SPEC = 'configs/vit.py:smoke'
KEEP = 2
OVERRIDES = {
    'steps': 24,
    'checkpoint.every': 4,
    'eval_every': 4,
    'log_every': 1,
    'checkpoint.keep': KEEP,
    'checkpoint.best_metric': 'eval/loss',
    'checkpoint.best_mode': 'max',
}


SIGNS = {'moved_to': '+', 'moved_from': '-', 'delete': '-', 'create': 'created in place'}


def record(watch: Watch, events: list, stop: threading.Event) -> None:
    """Append every commit ('+', step) and deletion ('-', step) until `stop` is set."""
    while not stop.is_set():
        event = watch.next(0.1)
        if event is not None and event.name.isdigit():
            events.append((SIGNS[event.kind], int(event.name)))


def test_newest_and_best_always_exist_and_deletion_follows_commit(tmp_path):
    directory = tmp_path / 'checkpoints'
    directory.mkdir()
    events: list[tuple[str, int]] = []
    stop = threading.Event()
    with Watch(str(directory)) as watch:
        recorder = threading.Thread(target=record, args=(watch, events, stop))
        recorder.start()
        try:
            runs.Launch(SPEC, OVERRIDES, tmp_path).finished()
        finally:
            stop.set()
            recorder.join()
    loss = runs.metric(tmp_path, 'eval/loss')
    saved = list(range(4, 25, 4))
    assert list(loss) == saved
    assert max(saved, key=loss.get) == saved[0], (
        f'every eval should be worse than the first: {loss}'
    )

    present: list[int] = []
    committed: list[int] = []
    for sign, step in events:
        assert sign in '+-', f'step {step} {sign}: a commit must be an atomic rename'
        if sign == '+':
            present.append(step)
            committed.append(step)
        else:
            assert step in present, f'deleted step {step}, which is not there: {present}'
            present.remove(step)
        where = f'after {sign}{step} ({present} present)'
        assert set(sorted(committed)[-KEEP:]) <= set(present), f'newest {KEEP} missing {where}'
        assert max(committed, key=loss.get) in present, f'best step missing {where}'

    assert committed == saved
    assert runs.checkpoint_steps(tmp_path) == sorted(present) == sorted({saved[0], *saved[-KEEP:]})
