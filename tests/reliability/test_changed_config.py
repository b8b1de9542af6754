"""Resuming with a changed config. Learning rate, total steps and eval cadence may change: the
changes are logged and take effect (the losses part from a resume with the old learning rate).
Resuming with changed seqlab source is reported (bit-exact resume holds for the same code only).
A change of parameter shapes is refused naming the key and both shapes, an unknown key before
anything is compiled; both leave the workdir as it was (these run in this process: what launch.py
calls). The runs resumed are copies of the shared `smoke_run` (tests/reliability/conftest.py: 24
steps, each logged, evaluated at 12 and 24)."""

import os
import re
import shutil

from tests.conftest import run_in_process
from tests.reliability import runs

SPEC = 'configs/vit.py:smoke'


def one_line_refusal(capsys, workdir, overrides: dict) -> str:
    """Rerun with `overrides` (in this process, as launch.py would): exit 2, one stderr line, the
    workdir unchanged. -> the line."""
    before = runs.snapshot(workdir)
    args = [f'--config.{key}={value}' for key, value in overrides.items()]
    code, stderr = run_in_process(capsys, workdir, *args, spec=SPEC)
    assert code == 2 and stderr.count('\n') == 1 and stderr.startswith('error: '), stderr
    assert runs.snapshot(workdir) == before
    return stderr.strip()


def edited_source(tmp_path) -> str:
    """A copy of the runs' source with a comment appended to one module (same computation)."""
    tree = str(tmp_path / 'edited_source')
    shutil.copytree(runs.source_tree(), tree)
    with open(os.path.join(tree, 'seqlab', 'models', 'vit.py'), 'a') as f:
        f.write('# edited while the run was interrupted\n')
    return tree


def test_allowed_changes_take_effect_and_others_are_refused(capsys, tmp_path, smoke_run):
    workdir, same_lr = tmp_path / 'changed', tmp_path / 'same_lr'
    shutil.copytree(smoke_run.workdir, workdir)
    shutil.copytree(smoke_run.workdir, same_lr)
    old_lr = runs.config_of(SPEC, {}).optim.lr
    new = {'optim.lr': old_lr * 4, 'steps': 32, 'eval_every': 4}
    changed = runs.Launch(SPEC, new, workdir)
    reference = runs.Launch(SPEC, {'steps': 32}, same_lr, tree=edited_source(tmp_path))
    changed.finished()
    reference.finished()
    assert 'seqlab source changed' not in changed.stderr
    assert re.search(
        r'WARNING seqlab source changed since step 24 was saved \(([0-9a-f]{16}) -> (?!\1)[0-9a-f]{16}\)'
        r': this run will not equal an uninterrupted run of either version bit for bit\n',
        reference.stderr,
    ), reference.stderr[-3000:]

    expected = (
        f"eval_every: '12' -> '4', optim.lr: {old_lr!r} -> {old_lr * 4!r}, steps: '24' -> '32'"
    )
    assert re.search(
        rf'resumed from \S+ at step 24; config changes: {re.escape(expected)}\n', changed.stderr
    ), changed.stderr[-3000:]
    assert list(runs.metric(workdir, 'eval/loss')) == [12, 24, 28, 32]
    assert runs.checkpoint_steps(workdir)[-1] == 32
    with open(os.path.join(workdir, 'config.json')) as f:
        assert f'"lr": {old_lr * 4!r}' in f.read()
    losses, reference_losses = (
        runs.metric(workdir, 'train/loss'),
        runs.metric(same_lr, 'train/loss'),
    )
    assert list(losses) == list(range(1, 33))
    assert [losses[s] for s in range(1, 26)] == [reference_losses[s] for s in range(1, 26)]
    assert all(losses[s] != reference_losses[s] for s in range(26, 33)), 'lr had no effect'
    lr, reference_lr = runs.metric(workdir, 'train/lr'), runs.metric(same_lr, 'train/lr')
    assert all(abs(lr[s] - 4 * reference_lr[s]) <= 1e-9 for s in range(25, 33))

    error = one_line_refusal(capsys, workdir, {'steps': 32, 'model.kwargs.width': 24})
    assert 'does not fit this model' in error and 'model.kwargs.width: 16 -> 24' in error
    assert re.search(r'has shape \[.*16\] in the checkpoint and \[.*24\] in the model', error), (
        error
    )

    error = one_line_refusal(capsys, workdir, {'optim.lrr': 1.0})
    assert error.startswith('error: config.optim.lrr does not exist; allowed here: '), error
