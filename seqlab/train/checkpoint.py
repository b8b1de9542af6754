"""Checkpoints: the only module that imports orbax.

A checkpoint at step t holds the TrainState (params, optimizer state, step, RNG) and the data
iterator state, so a resumed run continues bit for bit. Saves are asynchronous and atomic (orbax
writes a temporary directory and renames it when complete; an interrupted save is never the
latest). Retention keeps the newest `keep` steps plus the best step by an eval metric, and deletes
only after the new checkpoint has committed. A failed asynchronous write surfaces at the next save
or at `wait`/`close`, naming its step; a state holding NaN or Inf is never written. An unreadable
checkpoint is reported with its path and moved aside (`<step>.unreadable`) once an older one has
been restored, so the resumed run can write that step again. Each step also records the digest of
the seqlab source that wrote it (`code_version.py`), which a resume compares with its own.
The layer layout (scanned or unscanned stacks, `layout.py`) is recorded too: a checkpoint restores
into a model with the other layout by stacking or unstacking the layer axis. Arrays are read with
the shardings of the abstract state passed in, so a checkpoint restores onto any mesh.
"""

import logging
import os
import tempfile
from typing import Any

import jax
import jax.numpy as jnp
import orbax.checkpoint as ocp
from orbax.checkpoint.checkpoint_managers import preservation_policy as policy

from seqlab.train import layout

log = logging.getLogger(__name__)


class _ExpectedWarnings(logging.Filter):
    """Two orbax warnings that say nothing wrong: with best_fn set it warns at every save without
    metrics (most saves have none by design: checkpoints fall between evaluations), and a reader
    (read_only) is told at start that its directory is read only."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return 'did not provide metrics' not in message and 'directory is read only' not in message


logging.getLogger('absl').addFilter(_ExpectedWarnings())


class CheckpointError(RuntimeError):
    """A checkpoint could not be written or read."""


class IncompatibleCheckpointError(CheckpointError):
    """The checkpoint holds arrays of other shapes than the model being restored into."""


def shapes(tree: Any) -> dict[str, list[int]]:
    """{'params/encoder/kernel': [3, 4], ...} for every array leaf of `tree`."""
    flat, _ = jax.tree_util.tree_flatten_with_path(tree)
    return {
        jax.tree_util.keystr(path, simple=True, separator='/'): list(leaf.shape)
        for path, leaf in flat
    }


class Checkpointer:
    """Save / restore (state, data iterator state) under `directory`.

    `read_only` (eval, predict, generate, figures) never writes, renames or deletes anything in
    `directory` and never creates it: a training may be writing there at the same time, so its
    in-flight temporary directory is left alone and an unreadable step is skipped, not moved.
    """

    def __init__(
        self,
        directory: str,
        *,
        keep: int = 3,
        best_metric: str = '',
        best_mode: str = 'max',
        async_save: bool = True,
        read_only: bool = False,
    ):
        self.directory, self.read_only = directory, read_only
        self._pending: int | None = None  # the step of the save in flight
        if read_only:
            self._manager = _reader(directory)
            return
        policies = [policy.LatestN(n=keep)]
        metric = None
        if best_metric:

            def metric(metrics: dict) -> float:
                return metrics[best_metric]

            policies.append(
                policy.BestN(
                    get_metric_fn=metric,
                    reverse=best_mode == 'min',
                    n=1,
                    keep_checkpoints_without_metrics=False,
                )
            )
        options = ocp.CheckpointManagerOptions(
            preservation_policy=policy.AnyPreservationPolicy(policies),
            # best_fn makes orbax write each step's metrics into it, so a resumed run still
            # knows which step is the best (the policy alone keeps them in memory only).
            best_fn=metric,
            best_mode=best_mode,
            enable_async_checkpointing=async_save,
            cleanup_tmp_directories=True,
            create=True,
        )
        self._manager = ocp.CheckpointManager(directory, options=options)

    def all_steps(self) -> list[int]:
        return sorted(self._manager.all_steps())

    def latest_step(self) -> int | None:
        return self._manager.latest_step()

    def save(
        self,
        step: int,
        state: Any,
        data_state: dict,
        metrics: dict | None = None,
        code_version: str = '',
    ) -> None:
        """Start an asynchronous save of `step`, once the previous one has committed (its failure
        surfaces here); `code_version` is the digest of the code saving it. A state with NaN or Inf
        values raises FloatingPointError, unsaved."""
        if self.read_only:
            raise RuntimeError(f'saving step {step}: {self.directory} was opened read-only')
        self.wait()
        bad = non_finite(state)
        if bad:
            raise FloatingPointError(
                f'step {step}: non-finite values in {", ".join(bad)}; not checkpointed, the last '
                f'checkpoint is {self.directory}/{self.latest_step()}'
            )
        try:
            # Orbax's asynchronous save cannot create the step's directory in a read-only
            # checkpoint directory and then waits minutes (its signal timeout) before failing:
            # a file created and removed first fails at once, naming the directory.
            with tempfile.TemporaryFile(dir=self.directory):
                pass
            state_shapes = shapes(state)
            self._manager.save(
                step,
                args=ocp.args.Composite(
                    state=ocp.args.StandardSave(state),
                    data=ocp.args.JsonSave(data_state),
                    shapes=ocp.args.JsonSave(state_shapes),
                    layout=ocp.args.JsonSave(layout.of(state_shapes)),
                    source=ocp.args.JsonSave({'seqlab': code_version}),
                ),
                metrics=metrics,
                force=True,
            )
            self._pending = step
        except Exception as error:  # noqa: BLE001 - any writer failure is reported the same way
            raise CheckpointError(
                f'saving step {step} to {self.directory} failed: {one_line(error)}'
            ) from error

    def restore(self, abstract_state: Any, step: int | None = None) -> tuple[Any, dict, int]:
        """Restore `step` (default: the latest readable one), falling back past corrupt steps."""
        steps = [step] if step is not None else self.all_steps()[::-1]
        if not steps or steps == [None]:
            raise CheckpointError(f'no checkpoint in {self.directory}')
        failures = []
        for candidate in steps:
            try:
                saved_layout = self.check_fits(candidate, abstract_state)
                wanted_layout = layout.of(shapes(abstract_state))
                converting = saved_layout != wanted_layout
                target = (
                    layout.abstract_in(abstract_state, saved_layout)
                    if converting
                    else abstract_state
                )
                restored = self._manager.restore(
                    candidate,
                    args=ocp.args.Composite(
                        state=ocp.args.StandardRestore(target), data=ocp.args.JsonRestore()
                    ),
                )
                state = restored['state']
                if converting:
                    log.info(
                        'checkpoint %s/%d: converting layers (%s)',
                        self.directory,
                        candidate,
                        layout.describe(saved_layout, wanted_layout),
                    )
                    state = jax.device_put(
                        layout.convert(state, wanted_layout),
                        jax.tree.map(lambda leaf: leaf.sharding, abstract_state),
                    )
                if failures:
                    log.warning(
                        'restored step %d after unreadable checkpoints: %s',
                        candidate,
                        '; '.join(failures),
                    )
                    if not self.read_only:
                        self._set_aside(steps[: steps.index(candidate)])
                return state, restored['data'], candidate
            except IncompatibleCheckpointError:
                raise
            except Exception as error:  # noqa: BLE001 - report and try the previous step
                failures.append(f'{self.directory}/{candidate}: {one_line(error)}')
                log.error(
                    'checkpoint %s/%d is unreadable: %s', self.directory, candidate, one_line(error)
                )
        raise CheckpointError(
            f'no readable checkpoint in {self.directory}: '
            + '; '.join(failures)
            + f'; nothing was changed — to train from scratch, move {self.directory} aside'
        )

    def _set_aside(self, steps: list[int]) -> None:
        """Rename the unreadable `steps` to `<step>.unreadable` (kept for inspection)."""
        for step in steps:
            path = os.path.join(self.directory, str(step))
            target, copy = f'{path}.unreadable', 1
            while os.path.exists(target):
                target, copy = f'{path}.unreadable-{copy}', copy + 1
            os.rename(path, target)
            log.warning('moved unreadable checkpoint %s aside to %s', path, target)
        self._manager.reload()

    def check_fits(self, step: int, abstract_state: Any) -> layout.Layout:
        """The checkpoint's layer layout, once its arrays fit `abstract_state` in that layout."""
        saved = self._manager.restore(step, args=ocp.args.Composite(shapes=ocp.args.JsonRestore()))[
            'shapes'
        ]
        saved_layout = self._saved_layout(step, saved)
        wanted_layout = layout.of(shapes(abstract_state))
        why = layout.mismatch(saved_layout, wanted_layout)
        if why:
            raise IncompatibleCheckpointError(
                f'checkpoint {self.directory}/{step} does not fit this model: {why}'
            )
        if saved_layout != wanted_layout:
            abstract_state = jax.eval_shape(
                lambda state: layout.convert(state, saved_layout), abstract_state
            )
        expected = shapes(abstract_state)
        # Parameters first: they name the layer whose shape changed.
        for path in sorted(
            set(saved) | set(expected), key=lambda p: (not p.startswith('params'), p)
        ):
            if saved.get(path) != expected.get(path):
                raise IncompatibleCheckpointError(
                    f'checkpoint {self.directory}/{step} does not fit this model: {path} has '
                    f'shape {saved.get(path, "absent")} in the checkpoint and '
                    f'{expected.get(path, "absent")} in the model'
                )
        return saved_layout

    def _saved_layout(self, step: int, saved_shapes: dict[str, list[int]]) -> layout.Layout:
        """The recorded layer layout (derived from the shapes for checkpoints written before)."""
        try:
            return self._manager.restore(
                step, args=ocp.args.Composite(layout=ocp.args.JsonRestore())
            )['layout']
        except KeyError:
            return layout.of(saved_shapes)

    def saved_code_version(self, step: int) -> str:
        """The code digest recorded with `step` (in its item `source`; '' if none was, or it
        predates the record)."""
        try:
            saved = self._manager.restore(
                step, args=ocp.args.Composite(source=ocp.args.JsonRestore())
            )['source']
        except KeyError:
            return ''
        return saved['seqlab']

    def wait(self) -> None:
        """Block until the pending asynchronous save has committed; raises CheckpointError naming
        its step if the write failed (nothing was deleted then: retention runs after a commit)."""
        step, self._pending = self._pending, None
        try:
            self._manager.wait_until_finished()
        except Exception as error:  # noqa: BLE001 - any writer failure is reported the same way
            self._manager.reload()  # it had already dropped the steps retention would delete
            raise CheckpointError(
                f'writing checkpoint step {step} to {self.directory} failed: {one_line(error)}; '
                f'the newest committed checkpoint is step {self.latest_step()}'
            ) from error

    def close(self) -> None:
        """Wait for the pending save (its failure raises here), then release the manager."""
        try:
            self.wait()
        finally:
            self._manager.close()


# orbax ends a failed array read with this and TensorStore's spec of the array (about 60 lines).
TENSORSTORE_DETAILS = ' See full TensorStore details'


def one_line(error: BaseException) -> str:
    """'Type: first line of the message' (messages are reported as one line), without the
    TensorStore spec orbax appends to a failed read."""
    lines = str(error).strip().splitlines()
    if not lines:
        return type(error).__name__
    return f'{type(error).__name__}: {lines[0].split(TENSORSTORE_DETAILS)[0]}'


def non_finite(tree: Any) -> list[str]:
    """The paths of the floating-point leaves of `tree` holding a NaN or an Inf."""
    flat, _ = jax.tree_util.tree_flatten_with_path(tree)
    floating = [(path, leaf) for path, leaf in flat if jnp.issubdtype(leaf.dtype, jnp.inexact)]
    finite = jax.device_get(_all_finite([leaf for _, leaf in floating]))
    return [
        jax.tree_util.keystr(path, simple=True, separator='/')
        for (path, _), ok in zip(floating, finite, strict=True)
        if not ok
    ]


@jax.jit
def _all_finite(leaves: list[jax.Array]) -> list[jax.Array]:
    return [jnp.isfinite(leaf).all() for leaf in leaves]


def _reader(directory: str) -> ocp.CheckpointManager:
    """A manager over a checkpoint directory that creates, renames and deletes nothing (not even
    the temporary directory of a save in flight, nor `directory` itself when it is missing)."""
    return ocp.CheckpointManager(
        directory,
        options=ocp.CheckpointManagerOptions(
            create=False, cleanup_tmp_directories=False, read_only=True, save_interval_steps=0
        ),
    )


def saved_steps(directory: str) -> list[int]:
    """The steps saved in `directory` (empty if it holds none)."""
    reader = _reader(directory)
    try:
        return sorted(reader.all_steps())
    finally:
        reader.close()


def saved_shapes(directory: str, step: int) -> dict[str, list[int]]:
    """{'params/encoder/kernel': [3, 4], ...}: the shape of every array saved at `step`."""
    reader = _reader(directory)
    try:
        return reader.restore(step, args=ocp.args.Composite(shapes=ocp.args.JsonRestore()))[
            'shapes'
        ]
    finally:
        reader.close()


def restore_arrays(
    directory: str, step: int, abstract: dict[str, jax.ShapeDtypeStruct]
) -> dict[str, jax.Array]:
    """Only the saved arrays named by `abstract` ('/'-joined paths such as 'params/encoder/...'),
    read with its dtypes and shardings; nothing else of the checkpoint is read."""
    item: dict = {}
    for path, leaf in abstract.items():
        *parents, name = path.split('/')
        node = item
        for parent in parents:
            node = node.setdefault(parent, {})
        node[name] = leaf
    reader = _reader(directory)
    try:
        restored = reader.restore(
            step,
            args=ocp.args.Composite(
                state=ocp.args.PyTreeRestore(
                    item=item,
                    restore_args=ocp.checkpoint_utils.construct_restore_args(item),
                    partial_restore=True,
                )
            ),
        )['state']
    finally:
        reader.close()
    flat, _ = jax.tree_util.tree_flatten_with_path(restored)
    return {jax.tree_util.keystr(path, simple=True, separator='/'): leaf for path, leaf in flat}
