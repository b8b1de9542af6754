"""Everything that can be wrong with a run, checked before compilation and before the workdir is
touched: names, types, model arguments, data files, cadences, mesh, and the workdir itself.

Bad input raises ConfigError (the data package raises it too, and `data.BadRecordError` for a record
the scan refuses, converted here); any other exception is a bug and keeps its traceback.

Legal settings that probably do not do what was meant are explained, not refused: `Plan.notes`
holds one line for each, which the train loop logs as a warning once the run starts (after every
check has passed, so a refused run still prints its one error line only). Decisions:

- a cadence of '0' (or '0ep', '0%') for log_every, eval_every or checkpoint.every means "not
  periodically": the loop still logs, evaluates and checkpoints at the last step (`cadence.itstime`);
  so does a cadence longer than the run. Both are allowed (evaluating only at the end saves time)
  and noted.
- config.checkpoint.keep must be an int >= 1: a resumed run needs its newest checkpoint.
- a warm-up at least as long as the run is noted (the learning rate never reaches config.optim.lr);
  a one-step run with a warm-up is refused in --mode=train (its only update runs at learning
  rate 0).
- config.checkpoint.best_metric must name a metric the evaluation logs (`check_best_metric`, with
  the names from the eval step's output structure, traced by the train loop with jax.eval_shape).
- --checkpoint_step is refused in --mode=train (training resumes from the latest checkpoint), and
  in the other modes when it names no saved step (the saved ones are listed).
"""

import dataclasses
import os
import types
from collections.abc import Sequence
from typing import Any

import jax
import ml_collections

from seqlab import data, models, tasks
from seqlab.config import ConfigError, one_of
from seqlab.layers import attention_backend
from seqlab.layers.transformer import REMATS
from seqlab.models import checks
from seqlab.train import cadence, checkpoint, optim, precision, sharding

MODES = ('train', 'eval', 'predict')
DTYPES = ('float32', 'bfloat16')  # compute dtypes; parameters and losses stay float32
CADENCE_ACTIONS = {  # what a cadence paces, for the notes of `schedule_notes`
    'log_every': 'training metrics are logged',
    'eval_every': 'the model is evaluated',
    'checkpoint.every': 'a checkpoint is saved',
}
CADENCE_RISKS = {'checkpoint.every': ' and on SIGTERM, so a crash before it loses the run'}


@dataclasses.dataclass(frozen=True)
class Plan:
    """What a checked config resolves to."""

    model: Any
    task: Any
    splits: data.Splits
    steps_per_epoch: int
    total_steps: int
    warmup_steps: int
    log_every: int
    eval_every: int
    checkpoint_every: int
    notes: tuple[str, ...] = ()  # legal settings that may surprise: logged when training starts


def check_workdir(workdir: str) -> None:
    if not workdir:
        raise ConfigError('--workdir is empty; give a directory for checkpoints and logs')
    if os.path.exists(workdir) and not os.path.isdir(workdir):
        raise ConfigError(
            f'--workdir={workdir!r} is a file; allowed: a directory (new or existing)'
        )
    parent = workdir if os.path.isdir(workdir) else _existing_parent(workdir)
    if not os.access(parent, os.W_OK):
        raise ConfigError(f'--workdir={workdir!r} is not writable ({parent!r} is read-only)')


def _existing_parent(path: str) -> str:
    path = os.path.abspath(path)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    if not os.path.isdir(path):
        raise ConfigError(f'--workdir: {path!r} is a file, so no directory can be made below it')
    return path


def check_names(config: ml_collections.ConfigDict) -> None:
    """Cheap checks that need no data: registry names, optimizer, model arguments."""
    model_class = models.get(config.model.name)
    allowed = models.fields(model_class)
    for key in config.model.kwargs:
        if key not in allowed:
            raise ConfigError(
                f'config.model.kwargs.{key} is not an argument of model {config.model.name!r}; '
                f'allowed: {", ".join(allowed)}'
            )
    model = checks.settings(model_class, config.model.kwargs)
    if 'dtype' in allowed:
        one_of('config.model.kwargs.dtype', model.dtype, DTYPES)
    if 'remat' in allowed:
        one_of('config.model.kwargs.remat', model.remat, REMATS)
    if 'attention' in allowed:
        check_attention(model)
    tasks.get(config.task.name)
    data.check(config.data)
    optim.check(config.optim)
    precision.check(config)
    check_retention(config.checkpoint)
    check_mesh(config)


def check_attention(model: types.SimpleNamespace) -> None:
    """config.model.kwargs.attention: a backend this platform runs, with what it needs (the
    head dimension is checked when the model is traced). `model`: the model's settings,
    config.model.kwargs over its class's defaults (`checks.settings`)."""
    name = model.attention
    where = 'config.model.kwargs.attention'
    try:
        attention_backend.check(name, where)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    dropout = model.attention_dropout
    if name in attention_backend.FUSED and dropout > 0:
        raise ConfigError(
            f'{where}={name!r} has no attention-weight dropout, and '
            f"config.model.kwargs.attention_dropout={dropout}; allowed: 0, or attention 'auto', "
            "'naive' or 'chunked'"
        )
    dtype = model.dtype
    if name == 'cudnn' and dtype not in ('bfloat16', 'float16'):
        raise ConfigError(
            f"{where}='cudnn' needs config.model.kwargs.dtype=bfloat16 (got {dtype!r}); "
            "'auto' falls back where cuDNN cannot run"
        )


def check_retention(checkpointing: ml_collections.ConfigDict) -> None:
    """config.checkpoint.keep: how many of the newest checkpoints are kept, at least one."""
    keep = checkpointing.keep
    if not isinstance(keep, int) or isinstance(keep, bool) or keep < 1:
        raise ConfigError(
            f'config.checkpoint.keep={keep!r} is not allowed; allowed: an int >= 1 (the newest '
            'checkpoints kept; a run resumes from the newest)'
        )


def check_checkpoint_step(workdir: str, mode: str, step: int | None) -> None:
    """--checkpoint_step picks a saved checkpoint of <workdir>/checkpoints for --mode=eval,
    predict, generate and figures; the saved steps are read without changing anything."""
    if step is None:
        return
    if mode == 'train':
        raise ConfigError(
            f'--checkpoint_step={step} is not allowed with --mode=train (training resumes from the '
            'latest checkpoint); allowed: --mode=eval, predict, generate or figures; to start a '
            f'new run from step {step}, --config.init.source=<workdir>@{step}'
        )
    directory = os.path.join(workdir, 'checkpoints')
    saved = checkpoint.saved_steps(directory) if os.path.isdir(directory) else []
    if step not in saved:
        raise ConfigError(
            f'--checkpoint_step={step} is not saved in {directory}; saved steps: '
            f'{", ".join(map(str, saved)) or "none"}'
        )


def check_best_metric(
    checkpointing: ml_collections.ConfigDict, eval_metrics: Sequence[str]
) -> None:
    """config.checkpoint.best_metric ('' for none) must be one of `eval_metrics`, the names the
    run's evaluation logs (the best checkpoint is chosen by the evaluation at a checkpoint step),
    and best_mode max or min; checked before training, not at the first save hours in."""
    metric = checkpointing.best_metric
    if metric and metric not in eval_metrics:
        raise ConfigError(
            f"config.checkpoint.best_metric={metric!r} is not a metric of this run's evaluation; "
            f"allowed: {', '.join(eval_metrics)}, or '' (no best checkpoint)"
        )
    one_of('config.checkpoint.best_mode', checkpointing.best_mode, ('max', 'min'))


def check_warmup(config: ml_collections.ConfigDict, warmup: int, total_steps: int) -> None:
    """The warm-up rises from learning rate 0: a one-step run with one would not train at all."""
    if warmup and total_steps == 1:
        raise ConfigError(
            f'config.steps={config.steps!r} with config.optim.warmup={config.optim.warmup!r}: '
            'the only update would run at learning rate 0 (the warm-up starts at 0); allowed: '
            "config.optim.warmup='0' or config.steps >= 2"
        )


def schedule_notes(
    config: ml_collections.ConfigDict,
    cadences: Sequence[tuple[str, int]],
    warmup: int,
    total_steps: int,
) -> tuple[str, ...]:
    """One line for each cadence (key, steps) that acts only at the last step, and for a warm-up
    that fills the run (see the module docstring)."""
    notes = []
    for key, every in cadences:
        if every == 0 or every > total_steps:
            spec = config.checkpoint.every if key == 'checkpoint.every' else config[key]
            why = "'0' means not periodically" if every == 0 else f'{every} steps > the run'
            notes.append(
                f'config.{key}={spec!r}: {CADENCE_ACTIONS[key]} only at the last step '
                f'({total_steps}){CADENCE_RISKS.get(key, "")}; {why}'
            )
    if warmup >= total_steps:
        notes.append(
            f'config.optim.warmup={config.optim.warmup!r} ({warmup} steps) fills the run of '
            f'{total_steps} steps: the learning rate rises from 0 and never reaches '
            f'config.optim.lr={config.optim.lr!r}'
        )
    return tuple(notes)


def check_mesh(config: ml_collections.ConfigDict) -> None:
    """Mesh and rules; global batches must split over data × fsdp and into accum_steps."""
    sharding.check(config.mesh, jax.device_count())
    data_size, fsdp_size, _ = sharding.mesh_shape(config.mesh, jax.device_count())
    if (data_size * fsdp_size) % jax.process_count():
        raise ConfigError(
            f'config.mesh data × fsdp = {data_size} × {fsdp_size} does not split over '
            f'{jax.process_count()} processes (each reads its own rows of a batch); allowed: '
            f'data × fsdp a multiple of {jax.process_count()}'
        )
    for key in ('batch_size', 'eval_batch_size'):
        size = config.data[key]
        if size % (data_size * fsdp_size):
            raise ConfigError(
                f'config.data.{key}={size} does not split over mesh data × fsdp = '
                f'{data_size} × {fsdp_size}; allowed: multiples of {data_size * fsdp_size}'
            )
    accum = config.optim.accum_steps
    if config.data.batch_size % accum:
        raise ConfigError(
            f'config.data.batch_size={config.data.batch_size} does not split into '
            f'config.optim.accum_steps={accum} micro-batches; allowed: multiples of {accum}'
        )


def prepare(config: ml_collections.ConfigDict, workdir: str, mode: str = 'train') -> Plan:
    """Check the config end to end and build model, task and data; raises ConfigError."""
    one_of('--mode', mode, MODES)
    check_workdir(workdir)
    check_names(config)
    task = tasks.get(config.task.name)(**config.task.kwargs)
    splits = open_data(config)
    check_batch_fits_split(config.data.batch_size, splits.info)
    check_test_split(config.data)
    model_class = models.get(config.model.name)
    kwargs = {**config.model.kwargs, **task.model_kwargs(splits.info)}
    model_class.check(kwargs, splits.info.input_shape)
    steps_per_epoch = max(1, splits.info.num_train // config.data.batch_size)
    total_steps = cadence.to_steps(
        config.steps, steps_per_epoch=steps_per_epoch, where='config.steps'
    )
    if total_steps == 0:
        raise ConfigError(f'config.steps={config.steps!r} gives no training steps')

    def steps(key: str, spec: Any) -> int:
        return cadence.to_steps(
            spec, steps_per_epoch=steps_per_epoch, total_steps=total_steps, where=f'config.{key}'
        )

    warmup = steps('optim.warmup', config.optim.warmup)
    if mode == 'train':  # a run trained before this check can still be read
        check_warmup(config, warmup, total_steps)
    cadences = {
        'log_every': steps('log_every', config.log_every),
        'eval_every': steps('eval_every', config.eval_every),
        'checkpoint.every': steps('checkpoint.every', config.checkpoint.every),
    }
    return Plan(
        model=model_class(**kwargs),
        task=task,
        splits=splits,
        steps_per_epoch=steps_per_epoch,
        total_steps=total_steps,
        warmup_steps=min(warmup, total_steps),
        log_every=cadences['log_every'],
        eval_every=cadences['eval_every'],
        checkpoint_every=cadences['checkpoint.every'],
        notes=schedule_notes(config, list(cadences.items()), warmup, total_steps)
        + selection_notes(config.data),
    )


def check_test_split(data_config: ml_collections.ConfigDict) -> None:
    """config.data.test_split names a split of the dataset, or is '' (no test evaluation)."""
    split = data_config.get('test_split', '')
    allowed = data.split_names(data_config)
    if split and split not in allowed:
        raise ConfigError(
            f'config.data.test_split={split!r} is not a split of {data_config.name}; allowed: '
            f"{', '.join(allowed)}, or '' (no test evaluation)"
        )


def selection_notes(data_config: ml_collections.ConfigDict) -> tuple[str, ...]:
    """A note when checkpoints would be chosen on the test split (eval_split == test_split)."""
    split = data_config.get('test_split', '')
    if not split or data_config.eval_split != split:
        return ()
    return (
        f'config.data.eval_split={split!r} is also config.data.test_split: the best checkpoint '
        'and every choice made on eval/ metrics are made on the test split, so its number is '
        "not held out; allowed for a look, not for a result (the default is 'validation')",
    )


def check_batch_fits_split(batch_size: int, info: data.DatasetInfo) -> None:
    """A training batch never holds an example twice: at most the train split's size."""
    if batch_size > info.num_train:
        raise ConfigError(
            f'config.data.batch_size={batch_size} is larger than the train split of '
            f'{info.name} ({info.num_train} examples); allowed: at most {info.num_train}'
        )


def open_data(config: ml_collections.ConfigDict) -> data.Splits:
    """`data.get` for this process; a record that the record scan refuses (`BadRecordError`) is
    bad input here, before anything compiles: a ConfigError."""
    try:
        return data.get(
            config.data,
            seed=config.seed,
            process_index=jax.process_index(),
            process_count=jax.process_count(),
        )
    except data.BadRecordError as error:
        raise ConfigError(str(error)) from error
