"""The one train loop for every task: `train_and_evaluate(config, workdir)`.

The workdir is the resume contract: rerunning the same command continues from the latest
checkpoint (state + data iterator), bit for bit, as long as the seqlab source is the same (a changed
source is reported on resume). SIGTERM, or Ctrl-C (SIGINT), saves at the current step and exits
143 (130); a second Ctrl-C stops at once, after the save in flight commits.
"""

import dataclasses
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax

from seqlab import data, tasks
from seqlab.config import ConfigError, flatten
from seqlab.train import (
    assets,
    checkpoint,
    code_version,
    finite,
    init,
    memory,
    metrics_log,
    optim,
    precision,
    prefetch,
    preflight,
    sharding,
    workdir_lock,
)
from seqlab.train import state as state_lib
from seqlab.train import window as window_lib
from seqlab.train.cadence import itstime

log = logging.getLogger('seqlab')
EXIT_CODES = {signal.SIGTERM: 143, signal.SIGINT: 130}  # 128 + the signal, as the shell reports


class DataError(ValueError):
    """A training batch could not be read (a bad record); the message names the step."""


def make_train_step(plan: preflight.Plan, accum_steps: int) -> Callable:
    """`train_step(state, batch) -> (state, metrics)`; metrics are name -> (sum, count).

    With `accum_steps` k > 1 the batch is split into k micro-batches whose gradients are averaged
    with weights count_i / Σ count_i, equal to one step on the whole batch. Micro-batch i holds rows
    i, i + k, i + 2k, ..., so every device keeps its share of each one (batches are sharded by rows).
    """
    task = plan.task

    def loss_fn(params, batch, rng):
        batch = prefetch.decode(batch)
        outputs = plan.model.apply(
            {'params': params}, *task.inputs(batch), train=True, rngs={'dropout': rng}
        )
        return task.loss(outputs, batch)

    grad_fn = jax.value_and_grad(loss_fn, has_aux=True)

    def train_step(state, batch):
        rng = jax.random.fold_in(state.rng, state.step)
        if accum_steps == 1:
            (_, metrics), grads = grad_fn(state.params, batch, rng)
        else:
            micro = jax.tree.map(
                lambda x: x.reshape(-1, accum_steps, *x.shape[1:]).swapaxes(0, 1), batch
            )

            def accumulate(carry, xs):
                index, micro_batch = xs
                (_, metrics), grads = grad_fn(
                    state.params, micro_batch, jax.random.fold_in(rng, index)
                )
                weight = metrics['loss'][1]
                carry = jax.tree.map(
                    jnp.add, carry, (jax.tree.map(lambda g: g * weight, grads), metrics)
                )
                return carry, None

            zeros = jax.tree.map(
                jnp.zeros_like, (state.params, _metric_shapes(grad_fn, state, micro, rng))
            )
            (grads, metrics), _ = jax.lax.scan(accumulate, zeros, (jnp.arange(accum_steps), micro))
            grads = jax.tree.map(lambda g: g / jnp.maximum(metrics['loss'][1], 1.0), grads)
        return state.apply_gradients(grads=grads), metrics

    return train_step


def make_loop_step(update: Callable, skip_non_finite: bool) -> Callable:
    """`train_step(state, window, batch) -> (state, window, metrics)`: `update` (a
    `make_train_step` step) with its metrics added to the device-side `window` (`window.py`);
    an update dropped by `skip_non_finite` adds nothing to it."""

    def train_step(state, metric_window, batch):
        state, metrics = update(state, batch)
        dropped = optim.skipped_in_a_row(state.opt_state) > 0 if skip_non_finite else False
        return state, window_lib.add(metric_window, metrics, state.step, dropped), metrics

    return train_step


def _metric_shapes(grad_fn, state, micro, rng):
    first = jax.tree.map(lambda x: x[0], micro)
    (_, metrics), _ = jax.eval_shape(grad_fn, state.params, first, rng)
    return jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), metrics)


def make_eval_step(plan: preflight.Plan) -> Callable:
    """`eval_step(params, batch) -> metrics` on the task's `eval_outputs`."""
    task = plan.task

    def eval_step(params, batch):
        batch = prefetch.decode(batch)
        return task.loss(task.eval_outputs(plan.model, params, batch), batch)[1]

    return eval_step


def summarize(metric_sums: dict, prefix: str) -> dict[str, float]:
    """name -> (sum, count) to prefix/name -> sum / count."""
    return {
        f'{prefix}/{name}': float(total) / max(float(count), 1.0)
        for name, (total, count) in metric_sums.items()
    }


class Run:
    """A checked config bound to a workdir: builds state, restores, trains, evaluates."""

    def __init__(self, config: ml_collections.ConfigDict, workdir: str, mode: str = 'train'):
        self.config, self.workdir, self.mode = config, workdir, mode
        self.plan = preflight.prepare(config, workdir, mode)
        self.mesh = sharding.make_mesh(config.mesh)
        self.tx = optim.make(config.optim, self.plan.warmup_steps, self.plan.total_steps)
        sample = jax.tree.map(lambda x: x[:1], self.plan.splits.eval[0])
        self.sample_inputs = self.plan.task.inputs(prefetch.decode(sample))
        self.abstract_state, self.state_sharding = self._abstract_state(self.tx)
        self._eval_steps: dict[Any, Callable] = {}  # compiled per batch shapes, when first used
        if mode == 'train' and config.checkpoint.best_metric:
            preflight.check_best_metric(config.checkpoint, self.eval_metric_names())

    # --- state -------------------------------------------------------------------------------
    def _abstract_state(self, tx: optax.GradientTransformation) -> tuple[Any, Any]:
        """(the state's shapes, dtypes and shardings; its shardings) with optimizer `tx`."""
        config = self.config
        abstract = state_lib.abstract(self.plan.model, tx, self.sample_inputs, config.seed)
        shardings = sharding.state_sharding(self.mesh, abstract, config.mesh)
        with_shardings = jax.tree.map(
            lambda a, s: jax.ShapeDtypeStruct(a.shape, a.dtype, sharding=s), abstract, shardings
        )
        return with_shardings, shardings

    def checkpointer(self) -> checkpoint.Checkpointer:
        """The workdir's checkpoints; read-only unless this run trains."""
        ckpt = self.config.checkpoint
        return checkpoint.Checkpointer(
            os.path.join(self.workdir, 'checkpoints'),
            keep=ckpt.keep,
            best_metric=ckpt.best_metric,
            best_mode=ckpt.best_mode,
            read_only=self.mode != 'train',
        )

    def initial_state(self) -> state_lib.TrainState:
        create = jax.jit(
            lambda: state_lib.create(
                self.plan.model, self.tx, self.sample_inputs, self.config.seed
            ),
            out_shardings=self.state_sharding,
        )
        resolved = init.resolve(self.config)  # config.init: the weights a fresh run starts from
        return init.apply(
            resolved,
            create(),
            model=self.plan.model,
            sample_inputs=self.sample_inputs,
            tx=self.tx,
            shardings=self.state_sharding,
            info=self.plan.splits.info,
        )

    def workdir_info(self) -> Any:
        """The dataset info with its assets copied to (or checked against) <workdir>/assets/."""
        info = self.plan.splits.info
        return dataclasses.replace(info, assets=assets.sync(info.assets, self.workdir))

    # --- compiled steps ----------------------------------------------------------------------
    def compiled_train_step(self, start_step: int = 0) -> tuple[Callable, Callable]:
        """(the loop step (`make_loop_step`) compiled for this run's state and batch shapes
        (those of the batch of step `start_step` + 1), a function returning an empty window on
        the devices), before any state exists; a ConfigError with the numbers if the step needs
        more memory than a device has. State and window are donated."""
        train_step = make_train_step(self.plan, self.config.optim.accum_steps)
        replicated = sharding.replicated(self.mesh)
        step = jax.jit(
            make_loop_step(train_step, bool(self.config.optim.skip_non_finite)),
            donate_argnums=(0, 1),
            in_shardings=(self.state_sharding, replicated, sharding.batch_sharding(self.mesh)),
            out_shardings=(self.state_sharding, replicated, replicated),
        )
        first = read_batch(lambda: self.plan.splits.train[start_step], start_step + 1)
        batch = sharding.global_batch(prefetch.device_fields(first), self.mesh)
        metric_shapes = jax.eval_shape(train_step, self.abstract_state, batch)[1]
        empty_window = jax.jit(lambda: window_lib.empty(metric_shapes), out_shardings=replicated)
        compiled = step.lower(self.abstract_state, empty_window.eval_shape(), batch).compile()
        memory.check(
            compiled,
            f'the train step (config.data.batch_size={self.config.data.batch_size})',
            'a smaller config.data.batch_size, micro-batches (config.optim.accum_steps > 1) or '
            'rematerialisation (config.model.kwargs.remat, where the model has it)',
        )
        return compiled, empty_window

    def compiled_eval_step(self, params: Any, batches: Any = None) -> Callable:
        """The eval step compiled (once per batch shapes) for parameters shaped and sharded like
        `params` and the batches of `batches` (default: the eval split's); a ConfigError with
        the numbers if it needs more memory than a device has."""
        batches = self.plan.splits.eval if batches is None else batches
        batch = sharding.global_batch(prefetch.device_fields(batches[0]), self.mesh)
        key = tuple((name, value.shape, value.dtype) for name, value in sorted(batch.items()))
        if key not in self._eval_steps:
            abstract = jax.tree.map(
                lambda x: jax.ShapeDtypeStruct(x.shape, x.dtype, sharding=x.sharding), params
            )
            compiled = jax.jit(make_eval_step(self.plan)).lower(abstract, batch).compile()
            memory.check(
                compiled,
                f'the eval step (config.data.eval_batch_size={self.config.data.eval_batch_size})',
                'a smaller config.data.eval_batch_size',
            )
            self._eval_steps[key] = compiled
        return self._eval_steps[key]

    # --- evaluation --------------------------------------------------------------------------
    def eval_metric_names(self) -> list[str]:
        """The names `evaluate` returns ('eval/accuracy', ...), from the eval step's output
        structure traced with jax.eval_shape: nothing is compiled or run."""
        batch = jax.tree.map(
            lambda x: jax.ShapeDtypeStruct(x.shape, x.dtype),
            prefetch.device_fields(self.plan.splits.eval[0]),
        )
        metrics = jax.eval_shape(make_eval_step(self.plan), self.abstract_state.params, batch)
        return sorted(summarize(dict.fromkeys(metrics, (0.0, 1.0)), 'eval'))

    def split_batches(self, split: str) -> Any:
        """The eval batches of `split`: the run's own for config.data.eval_split, else opened
        with the same data config (tokenizer, lengths) and `split` as its eval split."""
        if split == self.config.data.eval_split:
            return self.plan.splits.eval
        config = self.config.copy_and_resolve_references()
        config.data.eval_split = split
        return preflight.open_data(config).eval

    def prefix(self, split: str) -> str:
        """The metric prefix of `split`: 'eval' (the eval split), 'test' (the test split)."""
        if split == self.config.data.eval_split:
            return 'eval'
        return 'test' if split == self.config.data.get('test_split') else split

    def evaluate(self, params: Any, batches: Any = None, prefix: str = 'eval') -> dict[str, float]:
        """`prefix/name` -> mean over `batches` (default: the eval split's). The sums stay on
        the device until the last batch: the host waits once."""
        batches = self.plan.splits.eval if batches is None else batches
        eval_step = self.compiled_eval_step(params, batches)
        totals = None
        for batch in batches:
            on_device = sharding.global_batch(prefetch.device_fields(batch), self.mesh)
            metrics = eval_step(params, on_device)
            totals = metrics if totals is None else jax.tree.map(jnp.add, totals, metrics)
        return summarize(jax.device_get(totals), prefix)

    def test(self, params: Any) -> dict[str, float]:
        """The test split's metrics (`test/...`), or {} without config.data.test_split."""
        split = self.config.data.get('test_split', '')
        return self.evaluate(params, self.split_batches(split), 'test') if split else {}

    def predict(self, params: Any, path: str, batches: Any = None) -> None:
        """Each example's predictions, its `id` (source id) and `label`, in source-id order, of
        `batches` (default: the eval split's), to the .npz file `path`."""
        predict = jax.jit(
            lambda p, b: self.plan.task.predict(
                self.plan.model.apply(
                    {'params': p}, *self.plan.task.inputs(prefetch.decode(b)), train=False
                )
            )
        )
        rows: dict[str, list[np.ndarray]] = {}
        for batch in self.plan.splits.eval if batches is None else batches:
            on_device = sharding.global_batch(prefetch.device_fields(batch), self.mesh)
            outputs = jax.device_get(predict(params, on_device))
            real = batch['mask'] > 0
            for key, value in {'id': batch['id'], 'label': batch.get('label'), **outputs}.items():
                if value is not None:
                    rows.setdefault(key, []).append(np.asarray(value)[real])
        columns = {key: np.concatenate(parts) for key, parts in rows.items()}
        order = np.argsort(columns['id'], kind='stable')
        np.savez(path, **{key: column[order] for key, column in columns.items()})

    # --- training ----------------------------------------------------------------------------
    def train(self) -> dict[str, float]:
        """Train (or resume) to the end while holding the workdir's lock; the final eval metrics.
        Before the workdir is touched: a workdir held by another training, a checkpoint that
        does not fit the model and a dataset asset (tokenizer) that differs from the workdir's
        copy are refused (nothing compiled yet), then both steps are compiled and checked to fit
        in memory."""
        workdir_lock.check_free(self.workdir, jax.process_index())
        start_step = self.check_checkpoint_fits()
        assets.check(self.plan.splits.info.assets, self.workdir)
        if start_step >= self.plan.total_steps:
            return self.already_trained(start_step)
        train_step, empty_window = self.compiled_train_step(start_step)
        self.compiled_eval_step(self.abstract_state.params)
        with workdir_lock.hold(self.workdir, jax.process_index()):
            return self._train(train_step, empty_window)

    def already_trained(self, step: int) -> dict[str, float]:
        """A run whose latest checkpoint is at or past its last step: nothing is compiled or
        written; the eval and test metrics logged at `step`, and one line saying what to do."""
        log.info(
            'nothing to train: checkpoint %d is at or past the last step (%d); evaluate it with '
            '--mode=eval [--split=test], or raise config.steps to train on',
            step,
            self.plan.total_steps,
        )
        logged = os.path.exists(os.path.join(self.workdir, metrics_log.METRICS_FILE))
        return {
            name: value
            for record in (metrics_log.read(self.workdir) if logged else [])
            if record['step'] == step
            for name, value in record.items()
            if name.startswith(('eval/', 'test/'))
        }

    def check_checkpoint_fits(self) -> int:
        """The step training resumes from (the latest committed checkpoint; 0 without one); a
        checkpoint that does not fit this model is a ConfigError naming the array, both shapes
        and the config changes since it was saved. Reads only; compiles nothing."""
        reader = checkpoint.Checkpointer(os.path.join(self.workdir, 'checkpoints'), read_only=True)
        try:
            step = reader.latest_step()
            if step is None:
                return 0
            try:
                reader.check_fits(step, self._saved_abstract_state()[0])
            except checkpoint.IncompatibleCheckpointError as error:
                raise ConfigError(
                    f'{error}; config changes since it was saved: {self._config_changes()}'
                ) from None
            except Exception:  # noqa: BLE001 - unreadable: the restore reports it and falls back
                pass
            return step
        finally:
            reader.close()

    def _train(self, train_step: Callable, empty_window: Callable) -> dict[str, float]:
        plan, config = self.plan, self.config
        self.workdir_info()
        code = code_version.digest()
        ckpt = self.checkpointer()
        iterator = iter(plan.splits.train)
        if ckpt.latest_step() is not None:
            changes = self._config_changes()
            try:
                state, data_state, step = self._restore_latest(ckpt)
            except checkpoint.IncompatibleCheckpointError as error:
                ckpt.close()
                raise ConfigError(
                    f'{error}; config changes since it was saved: {changes}'
                ) from None
            iterator.set_state(data_state)
            log.info(
                'resumed from %s at step %d; config changes: %s', ckpt.directory, step, changes
            )
            saved_code = ckpt.saved_code_version(step)
            if saved_code and saved_code != code:
                log.warning(
                    'seqlab source changed since step %d was saved (%s -> %s): this run will not '
                    'equal an uninterrupted run of either version bit for bit',
                    step,
                    saved_code,
                    code,
                )
        else:
            state, step = self.initial_state(), 0
        with open(os.path.join(self.workdir, 'config.json'), 'w') as f:
            f.write(config.to_json(indent=2, sort_keys=True))
        log.info(
            'model %s: %s parameters; %d steps (%d per epoch)',
            config.model.name,
            f'{state_lib.num_params(state.params):,}',
            plan.total_steps,
            plan.steps_per_epoch,
        )
        description = plan.task.describe(plan.model)
        if description:
            log.info('%s', description)
        for note in plan.notes:
            log.warning('%s', note)
        learning_rate = optim.learning_rate(config.optim, plan.warmup_steps, plan.total_steps)
        writer = metrics_log.MetricWriter(self.workdir, resume_step=step)
        example_ids = (
            metrics_log.ExampleIds(self.workdir, step, jax.process_index(), jax.process_count())
            if config.get('log_example_ids')
            else None
        )
        progress = metrics_log.Progress(step, plan.total_steps)
        stop = _StopRequest()
        skips = finite.SkippedUpdates(config.optim.skip_non_finite)
        window = empty_window()
        eval_metrics: dict[str, float] = {}
        batches = prefetch.Prefetcher(
            lambda batch_step: read_batch(lambda: next(iterator), batch_step),
            iterator.get_state,
            self.mesh,
            first_step=step + 1,
            last_step=plan.total_steps,
        )
        try:
            while step < plan.total_steps:
                fed = next(batches)
                state, window, metrics = train_step(state, window, fed.device)
                batches.fill()  # the next batches' copies overlap this step
                step = fed.step
                if example_ids:
                    example_ids.write(step, fed.host['id'])
                skips.dropped(step, state.opt_state, metrics)  # reads only with skipping on
                logged = itstime(step, plan.log_every, plan.total_steps)
                evaluated = itstime(step, plan.eval_every, plan.total_steps)
                due = itstime(step, plan.checkpoint_every, plan.total_steps)
                if logged or evaluated or due:  # the host waits for the device only here
                    seen = window_lib.read(window)
                    finite.check_window(seen)
                if logged:
                    record = summarize(seen.metrics, 'train') if seen.steps else {}
                    record['train/lr'] = float(  # the rate of the last applied update
                        learning_rate(max(optim.schedule_count(state.opt_state) - 1, 0))
                    )
                    record.update(skips.record())
                    finite.check_metrics(step, record)
                    writer.write(step, record)
                    progress.update(step, record.get('train/loss', float('nan')))
                    window = empty_window()
                if evaluated:
                    eval_metrics = self.evaluate(state.params)
                    writer.write(step, eval_metrics)
                    log.info('step %d eval %s', step, _format(eval_metrics))
                if stop.requested or due:
                    if not (logged or evaluated or due):  # a signal between cadence steps
                        finite.check_window(window_lib.read(window))
                    ckpt.save(
                        step,
                        state,
                        fed.data_state,
                        metrics=eval_metrics if evaluated else None,
                        code_version=code,
                    )
                if stop.requested:
                    ckpt.wait()
                    log.warning('%s: saved step %d, exiting', stop.name, step)
                    writer.close()
                    ckpt.close()
                    sys.exit(EXIT_CODES[stop.signum])
        except (Exception, KeyboardInterrupt):
            ckpt.close()  # the save in flight commits: the last good checkpoint survives the error
            raise
        finally:
            progress.close()
            stop.restore()
        ckpt.wait()
        ckpt.close()
        if plan.total_steps == step:  # once, when this process finished the run (a finished
            # run never gets here: `train` returns `already_trained` before the lock)
            test_metrics = self.test(state.params)
            if test_metrics:
                writer.write(step, test_metrics)
                log.info('step %d test %s', step, _format(test_metrics))
            eval_metrics = {**eval_metrics, **test_metrics}
        writer.close()
        return eval_metrics

    def _saved_abstract_state(self) -> tuple[Any, int]:
        """(the abstract state the workdir's checkpoints restore into, their skip_non_finite):
        one saved with `skip_non_finite` switched the other way (off and on) has its own
        optimizer state layout."""
        saved_skip = (self._saved_config() or {}).get('optim.skip_non_finite', 0)
        if bool(saved_skip) == bool(self.config.optim.skip_non_finite):
            return self.abstract_state, saved_skip
        saved_optim = self.config.optim.copy_and_resolve_references()
        saved_optim.skip_non_finite = saved_skip
        plan = self.plan
        saved_tx = optim.make(saved_optim, plan.warmup_steps, plan.total_steps)
        return self._abstract_state(saved_tx)[0], saved_skip

    def _restore_latest(self, ckpt: checkpoint.Checkpointer) -> tuple[Any, dict, int]:
        """The latest checkpoint, its optimizer state converted if it was saved with
        `skip_non_finite` switched the other way."""
        abstract, saved_skip = self._saved_abstract_state()
        if abstract is self.abstract_state:
            return ckpt.restore(abstract)
        state, data_state, step = ckpt.restore(abstract)
        log.info(
            'optimizer state converted: config.optim.skip_non_finite %d -> %d',
            saved_skip,
            self.config.optim.skip_non_finite,
        )
        opt_state = optim.convert_skip_state(state.opt_state, bool(saved_skip))
        return (
            jax.device_put(state.replace(opt_state=opt_state, tx=self.tx), self.state_sharding),
            data_state,
            step,
        )

    def _saved_config(self) -> dict[str, Any] | None:
        """The workdir's config.json flattened ('optim.lr': 0.001, ...), or None without one."""
        path = os.path.join(self.workdir, 'config.json')
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return flatten(ml_collections.ConfigDict(json.load(f)))

    def _config_changes(self) -> str:
        """'key: old -> new, ...' between the workdir's config.json and this run's config."""
        before = self._saved_config()
        if before is None:
            return 'unknown (no config.json)'
        now = flatten(ml_collections.ConfigDict(json.loads(self.config.to_json())))
        changed = [
            f'{k}: {before.get(k)!r} -> {now.get(k)!r}'
            for k in sorted(set(before) | set(now))
            if before.get(k) != now.get(k)
        ]
        return ', '.join(changed) or 'none'

    def restore_params(self, step: int | None = None) -> tuple[Any, int]:
        ckpt = self.checkpointer()
        try:
            state, _, restored_step = ckpt.restore(self.abstract_state, step)
        finally:
            ckpt.close()
        return state.params, restored_step


def read_batch(read: Callable[[], dict], step: int) -> dict:
    """`read()` of the training batch of `step`; a record the data checks refuse is a DataError
    naming the step (any other exception is a bug and propagates)."""
    try:
        return read()
    except data.BadRecordError as error:
        raise DataError(f'step {step}: reading its training batch failed: {error}') from None


def _format(metrics: dict[str, float]) -> str:
    return '  '.join(f'{k} {v:.4f}' for k, v in metrics.items())


class _StopRequest:
    """SIGTERM or SIGINT sets `signum`; the loop saves at the current step and exits. A second
    SIGINT (Ctrl-C pressed again) raises KeyboardInterrupt at once."""

    def __init__(self):
        self.signum: int | None = None
        self._previous = {signum: signal.signal(signum, self._handle) for signum in EXIT_CODES}

    @property
    def requested(self) -> bool:
        return self.signum is not None

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    def _handle(self, signum, frame):
        if signum == signal.SIGINT and self.signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.signum = self.signum or signum

    def restore(self):
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)


@precision.applied
def train_and_evaluate(config: ml_collections.ConfigDict, workdir: str) -> dict[str, float]:
    """Train (or resume) and evaluate; returns the final eval metrics."""
    start = time.perf_counter()
    metrics = Run(config, workdir).train()
    log.info('done in %.1f s: %s', time.perf_counter() - start, _format(metrics))
    return metrics


@precision.applied
def evaluate(
    config: ml_collections.ConfigDict,
    workdir: str,
    step: int | None = None,
    split: str | None = None,
) -> dict:
    """--mode=eval: the metrics of checkpoint `step` (default the latest) on `split` (default
    config.data.eval_split), also written to <workdir>/<prefix>_<step>.json (prefix 'eval', or
    'test' for config.data.test_split)."""
    run = Run(config, workdir, mode='eval')
    run.workdir_info()
    params, restored = run.restore_params(step)
    split = split or config.data.eval_split
    prefix = run.prefix(split)
    metrics = {
        'step': restored,
        'split': split,
        **run.evaluate(params, run.split_batches(split), prefix),
    }
    with open(os.path.join(workdir, f'{prefix}_{restored}.json'), 'w') as f:
        json.dump(metrics, f, indent=2)
    return metrics


@precision.applied
def predict(
    config: ml_collections.ConfigDict,
    workdir: str,
    step: int | None = None,
    split: str | None = None,
) -> str:
    """--mode=predict: <workdir>/predictions_<split>_<step>.npz, one row per example of `split`
    (default config.data.eval_split) in source-id order: `id` (the id its builder stores, e.g.
    Fashion-MNIST's index in the official IDX files; else its position in the split), `label`
    and the task's outputs (classification: `prediction`, `probability`)."""
    run = Run(config, workdir, mode='predict')
    run.workdir_info()
    params, restored = run.restore_params(step)
    split = split or config.data.eval_split
    path = os.path.join(workdir, f'predictions_{split}_{restored}.npz')
    run.predict(params, path, run.split_batches(split))
    return path


@precision.applied
def generate(config: ml_collections.ConfigDict, workdir: str, step: int | None = None) -> str:
    """--mode=generate: the task samples from a checkpoint into <workdir>/generated_<step>/."""
    tasks.check_generates(config.task.name)
    if 'generate' not in config:
        raise ConfigError(
            f'--mode=generate needs a config.generate group (options of task {config.task.name!r})'
        )
    run = Run(config, workdir, mode='eval')
    params, restored = run.restore_params(step)
    directory = os.path.join(workdir, f'generated_{restored}')
    os.makedirs(directory, exist_ok=True)
    return run.plan.task.generate(
        run.plan.model, params, config.generate, run.workdir_info(), directory
    )
