"""Checkpoints: the only module that imports orbax.

A checkpoint at step t holds the TrainState (params, optimizer state, step, RNG) and the data
iterator state, so a resumed run continues bit for bit. Saves are asynchronous and atomic (orbax
writes a temporary directory and renames it when complete; an interrupted save is never the
latest). Retention keeps the newest `keep` steps plus the best step by an eval metric.
"""

import logging
from typing import Any

import jax
import orbax.checkpoint as ocp
from orbax.checkpoint.checkpoint_managers import preservation_policy as policy

log = logging.getLogger(__name__)


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
    """Save / restore (state, data iterator state) under `directory`."""

    def __init__(
        self,
        directory: str,
        *,
        keep: int = 3,
        best_metric: str = '',
        best_mode: str = 'max',
        async_save: bool = True,
    ):
        policies = [policy.LatestN(n=keep)]
        if best_metric:
            policies.append(
                policy.BestN(
                    get_metric_fn=lambda metrics: metrics[best_metric],
                    reverse=best_mode == 'min',
                    n=1,
                    keep_checkpoints_without_metrics=False,
                )
            )
        options = ocp.CheckpointManagerOptions(
            preservation_policy=policy.AnyPreservationPolicy(policies),
            enable_async_checkpointing=async_save,
            cleanup_tmp_directories=True,
            create=True,
        )
        self.directory = directory
        self._manager = ocp.CheckpointManager(directory, options=options)

    def all_steps(self) -> list[int]:
        return sorted(self._manager.all_steps())

    def latest_step(self) -> int | None:
        return self._manager.latest_step()

    def save(self, step: int, state: Any, data_state: dict, metrics: dict | None = None) -> None:
        """Start an asynchronous save; errors of the previous save surface here."""
        try:
            self._manager.save(
                step,
                args=ocp.args.Composite(
                    state=ocp.args.StandardSave(state),
                    data=ocp.args.JsonSave(data_state),
                    shapes=ocp.args.JsonSave(shapes(state)),
                ),
                metrics=metrics,
                force=True,
            )
        except Exception as error:  # noqa: BLE001 - any writer failure is reported the same way
            raise CheckpointError(
                f'saving step {step} to {self.directory} failed: {error}'
            ) from error

    def restore(self, abstract_state: Any, step: int | None = None) -> tuple[Any, dict, int]:
        """Restore `step` (default: the latest readable one), falling back past corrupt steps."""
        steps = [step] if step is not None else self.all_steps()[::-1]
        if not steps or steps == [None]:
            raise CheckpointError(f'no checkpoint in {self.directory}')
        failures = []
        for candidate in steps:
            try:
                self._check_shapes(candidate, abstract_state)
                restored = self._manager.restore(
                    candidate,
                    args=ocp.args.Composite(
                        state=ocp.args.StandardRestore(abstract_state), data=ocp.args.JsonRestore()
                    ),
                )
                if failures:
                    log.warning(
                        'restored step %d after unreadable checkpoints: %s',
                        candidate,
                        '; '.join(failures),
                    )
                return restored['state'], restored['data'], candidate
            except IncompatibleCheckpointError:
                raise
            except Exception as error:  # noqa: BLE001 - report and try the previous step
                failures.append(f'{self.directory}/{candidate}: {type(error).__name__}: {error}')
                log.error('checkpoint %s/%d is unreadable: %s', self.directory, candidate, error)
        raise CheckpointError(
            'no readable checkpoint: '
            + '; '.join(failures)
            + ' — move the workdir aside to start fresh, or pass --checkpoint_step'
        )

    def _check_shapes(self, step: int, abstract_state: Any) -> None:
        saved = self._manager.restore(step, args=ocp.args.Composite(shapes=ocp.args.JsonRestore()))[
            'shapes'
        ]
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

    def wait(self) -> None:
        """Block until the pending asynchronous save has committed."""
        self._manager.wait_until_finished()

    def close(self) -> None:
        self._manager.close()
