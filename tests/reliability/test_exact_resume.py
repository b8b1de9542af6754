"""A run SIGKILLed at a random step mid-epoch and rerun with the same command equals an uninterrupted
run bit for bit — per-step losses, final parameters and optimizer state, and the example ids each
step consumed — for one config of each modality. The kill step is drawn from a generator seeded by
RELIABILITY_SEED (default 0; set another to try other steps) and the modality, and printed. SIGTERM between checkpoints saves exactly that
step and exits 143; nothing is recomputed after it. After every crash and resume the JSONL and
TensorBoard step sequences are strictly increasing, without gaps or duplicates.

tests/conftest.py lowers XLA's backend optimisation level to keep the suite fast, and launch.py
subprocesses inherit it; the vision test runs its launches at XLA's default level (what a user's
run compiles with), so bit-exact resume is proven there too.
"""

import contextlib
import os
import random
import re
import signal
import time

import pytest

from tests.reliability import events, runs
from tests.reliability.inotify import Watch

EVERY = 8  # checkpoint cadence of every run here
STEPS = 24
SEED = int(os.environ.get('RELIABILITY_SEED', '0'))
# modality -> (config, overrides): tiny runs with a random transform (dropout, noise, flips) each,
# so the RNG and the data iterator both have to resume exactly. Batch sizes put the checkpoint at
# step 8 mid-epoch, and every run crosses an epoch boundary after it.
MODALITIES = {
    'vision': ('configs/vit.py:smoke', {'data.batch_size': 64, 'data.augment': 'flip'}),
    'text': ('configs/text_cnn.py:smoke', {}),
    'audio': ('configs/spec_cnn.py:smoke', {'data.batch_size': 5}),
    'graph': ('configs/graphormer.py:smoke', {'model.kwargs.dropout': 0.1}),
}
COMMON = {
    'steps': STEPS,
    'log_every': 1,
    'eval_every': 12,
    'checkpoint.every': EVERY,
    'log_example_ids': True,
}
DEFAULT_XLA = {'XLA_FLAGS': ''}  # XLA's default optimisation level, as in a user's run


def epoch_positions(spec: str, overrides: dict) -> dict[int, int]:
    """step -> how many examples of the current epoch have been consumed after it (0: the step
    ends an epoch), read from the run's training pipeline in this process."""
    plan = runs.run_for(spec, overrides, '/nonexistent').plan
    batches = iter(plan.splits.train)
    consumed, positions = 0, {}
    for step in range(1, STEPS + 1):
        batch = next(batches)
        consumed += int((batch['id'] >= 0).sum())
        positions[step] = consumed % plan.splits.info.num_train
    return positions


def draw_kill_step(modality: str, spec: str, overrides: dict) -> int:
    """A step after the first checkpoint, before the last step, mid-epoch, whose newest checkpoint
    is mid-epoch too (so the resumed data iterator starts inside an epoch), drawn from a generator
    seeded by (SEED, modality)."""
    positions = epoch_positions(spec, overrides)
    candidates = [
        step
        for step in range(EVERY + 1, STEPS)
        if positions[step] and positions[step // EVERY * EVERY]
    ]
    step = random.Random(f'{SEED}-{modality}').choice(candidates)
    print(f'{modality}: SIGKILL after step {step} (RELIABILITY_SEED={SEED}, from {candidates})')
    return step


def kill_after(
    step: int, spec: str, overrides: dict, workdir, env: dict | None = None
) -> tuple[int, int]:
    """SIGKILL the run once it has logged `step` and committed its first checkpoint (if that comes
    later, so the rerun restores a data position, not a fresh start); it is SIGSTOPped at the write
    of a metrics line, seen with inotify. -> (last logged step, newest committed checkpoint)."""
    os.makedirs(workdir)
    with Watch(str(workdir), writes=True) as watch:
        run = runs.Launch(spec, overrides, workdir, env=env)
        deadline = time.monotonic() + runs.TIMEOUT
        while runs.last_logged_step(workdir) < step or not committed_any(workdir):
            if watch.next(1.0) is None and run.process.poll() is not None:
                raise AssertionError(f'run exited before step {step}:\n{run.stderr[-3000:]}')
            assert time.monotonic() < deadline, f'step {step} not logged in {runs.TIMEOUT} s'
        run.process.send_signal(signal.SIGSTOP)
    run.process.kill()
    assert run.wait() == -signal.SIGKILL
    logged, committed = runs.last_logged_step(workdir), runs.checkpoint_steps(workdir)[-1]
    print(f'killed after step {logged}; newest committed checkpoint: {committed}')
    return logged, committed


def past_first_eval(reference: runs.Launch, workdir) -> None:
    """Wait until the uninterrupted run has logged the step after its first evaluation: its train
    and eval steps are then in the persistent compilation cache (tests/conftest.py), and the
    interrupted run's launches load them instead of compiling them again on the other core."""
    first_eval = COMMON['eval_every']
    reference.until(lambda: runs.last_logged_step(workdir) > first_eval, 'first evaluation')


def committed_any(workdir) -> bool:
    return os.path.isdir(workdir / 'checkpoints') and bool(runs.checkpoint_steps(workdir))


def assert_at_most_the_save_in_flight_lost(logged: int, committed: int) -> None:
    """The newest committed checkpoint is the last one due by `logged`, or (its save still in
    flight at the kill) the one before."""
    due = logged // EVERY * EVERY
    assert committed in (due, due - EVERY), f'killed at {logged}: newest checkpoint {committed}'


@contextlib.contextmanager
def killed_at(step: int):
    """Name the kill step in any assertion failing inside."""
    try:
        yield
    except AssertionError as error:
        raise AssertionError(
            f'SIGKILL after step {step} (RELIABILITY_SEED={SEED}): {error}'
        ) from error


def resumed_step(stderr: str) -> int:
    """The step a rerun resumed at (it ran the same source as the checkpoint's writer)."""
    found = re.findall(r'resumed from \S+ at step (\d+)', stderr)
    assert len(found) == 1, f'expected one "resumed from" line:\n{stderr[-3000:]}'
    assert 'seqlab source changed' not in stderr, stderr[-3000:]
    return int(found[0])


def tear_last_line(path: str) -> None:
    """Leave what a crash in the middle of a write leaves: half a JSON line, no newline."""
    with open(path, 'a') as f:
        f.write('{"step": 99999, "train/lo')


def assert_logs_complete(workdir, eval_steps: list[int]) -> None:
    """JSONL and TensorBoard: train steps 1..STEPS and eval steps exactly once, in order."""
    train = list(range(1, STEPS + 1))
    assert list(runs.metric(workdir, 'train/loss')) == train
    assert list(runs.metric(workdir, 'eval/loss')) == eval_steps
    board = events.scalar_steps(os.path.join(workdir, 'tensorboard'))
    assert board['train/loss'] == train, f'TensorBoard train/loss steps: {board["train/loss"]}'
    assert board['eval/loss'] == eval_steps, f'TensorBoard eval/loss steps: {board["eval/loss"]}'


def assert_each_example_once_per_epoch(ids: dict[int, list[int]], num_train: int) -> None:
    """The consumed ids (source ids), cut into epochs of `num_train`, hold every example once per
    epoch: no id repeats within an epoch, and every full epoch holds the same ids."""
    stream = [i for step in sorted(ids) for i in ids[step]]
    first = set(stream[:num_train])
    for start in range(0, len(stream), num_train):
        epoch = stream[start : start + num_train]
        assert len(set(epoch)) == len(epoch), f'epoch from position {start}: an example repeats'
        if len(epoch) == num_train:
            assert set(epoch) == first, f'epoch from {start}: ids missing'
    assert len(stream) > num_train, 'the run should cross an epoch boundary'


def assert_mid_epoch(ids: dict[int, list[int]], step: int, num_train: int) -> None:
    """The data position after `step` lies inside an epoch, not on its boundary."""
    consumed = sum(len(batch) for s, batch in ids.items() if s <= step)
    assert consumed % num_train, f'step {step} ends an epoch ({consumed} examples): not mid-epoch'


def assert_equal_runs(spec: str, overrides: dict, reference, workdir, killed_at: int) -> None:
    """`workdir` (killed, resumed from checkpoint `killed_at`) equals the uninterrupted run."""
    assert runs.metric(workdir, 'train/loss') == runs.metric(reference, 'train/loss')
    assert runs.example_ids(workdir) == runs.example_ids(reference)
    run = runs.run_for(spec, overrides, reference)
    state_a, data_a, step_a = runs.restore(run)
    state_b, data_b, step_b = runs.restore(run, workdir=workdir)
    assert step_a == step_b == STEPS and data_a == data_b
    runs.assert_bitwise_equal(state_a.params, state_b.params, 'params')
    runs.assert_bitwise_equal(state_a.opt_state, state_b.opt_state, 'opt_state')
    runs.assert_bitwise_equal((state_a.step, state_a.rng), (state_b.step, state_b.rng), 'step/rng')
    num_train = run.plan.splits.info.num_train
    assert_mid_epoch(runs.example_ids(workdir), killed_at, num_train)
    assert_each_example_once_per_epoch(runs.example_ids(workdir), num_train)


@pytest.mark.slow
@pytest.mark.parametrize('modality', [m for m in MODALITIES if m != 'vision'])
def test_sigkill_mid_epoch_resumes_bit_for_bit(tmp_path, modality):
    spec, overrides = MODALITIES[modality]
    overrides = {**overrides, **COMMON}
    step = draw_kill_step(modality, spec, overrides)
    reference = runs.Launch(spec, overrides, tmp_path / 'uninterrupted')  # on the other core
    past_first_eval(reference, tmp_path / 'uninterrupted')
    workdir = tmp_path / 'interrupted'
    with killed_at(step):
        logged, committed = kill_after(step, spec, overrides, workdir)
        assert logged >= step
        assert_at_most_the_save_in_flight_lost(logged, committed)

        rerun = runs.Launch(spec, overrides, workdir)
        rerun.finished()
        assert resumed_step(rerun.stderr) == committed
        reference.finished()
        assert_equal_runs(spec, overrides, tmp_path / 'uninterrupted', workdir, committed)
        assert_logs_complete(workdir, [12, 24])


@pytest.mark.slow
def test_sigkill_then_sigterm_resume_bit_for_bit_with_complete_logs(tmp_path):
    """Vision, every launch at XLA's default optimisation level: SIGKILL mid-epoch (the logs torn
    mid-line), rerun, SIGTERM between checkpoints, rerun to the end."""
    spec, overrides = MODALITIES['vision']
    overrides = {**overrides, **COMMON}
    step = draw_kill_step('vision', spec, overrides)
    reference = runs.Launch(spec, overrides, tmp_path / 'uninterrupted', env=DEFAULT_XLA)
    past_first_eval(reference, tmp_path / 'uninterrupted')
    workdir = tmp_path / 'interrupted'
    with killed_at(step):
        logged, committed = kill_after(step, spec, overrides, workdir, env=DEFAULT_XLA)
        assert logged >= step
        assert_at_most_the_save_in_flight_lost(logged, committed)
        tear_last_line(os.path.join(workdir, 'metrics.jsonl'))
        tear_last_line(os.path.join(workdir, 'example_ids.jsonl'))

        terminated = runs.Launch(spec, overrides, workdir, env=DEFAULT_XLA)
        code = terminated.signal_at(2 * EVERY + 1, signal.SIGTERM)
        assert code == 143, f'SIGTERM exit code {code}:\n{terminated.stderr[-3000:]}'
        assert resumed_step(terminated.stderr) == committed
        stopped = runs.last_logged_step(workdir)
        assert 2 * EVERY < stopped < STEPS, f'SIGTERM should land between checkpoints: {stopped}'
        assert runs.checkpoint_steps(workdir)[-1] == stopped  # committed: the save finished
        assert not [n for n in os.listdir(workdir / 'checkpoints') if 'tmp' in n]

        finished = runs.Launch(spec, overrides, workdir, env=DEFAULT_XLA)
        finished.finished()
        assert resumed_step(finished.stderr) == stopped  # zero steps lost
        reference.finished()
        assert_equal_runs(spec, overrides, tmp_path / 'uninterrupted', workdir, committed)
        assert_logs_complete(workdir, [12, 24])
