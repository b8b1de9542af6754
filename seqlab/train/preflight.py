"""Everything that can be wrong with a run, checked before compilation and before the workdir is
touched: names, types, model arguments, data files, cadences, mesh, and the workdir itself.

Bad input raises ConfigError (the data package raises it too, and `data.BadRecordError` for a record
the scan refuses, converted here); any other exception is a bug and keeps its traceback.
"""

import dataclasses
import os
from typing import Any

import jax
import ml_collections

from seqlab import data, models, tasks
from seqlab.config import ConfigError, one_of
from seqlab.layers.transformer import REMATS
from seqlab.train import cadence, optim, sharding

MODES = ('train', 'eval', 'predict')
DTYPES = ('float32', 'bfloat16')  # compute dtypes; parameters and losses stay float32


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
    if 'dtype' in allowed:
        one_of('config.model.kwargs.dtype', config.model.kwargs.get('dtype', 'float32'), DTYPES)
    if 'remat' in allowed:
        remat = config.model.kwargs.get('remat', 'none')
        one_of('config.model.kwargs.remat', remat, REMATS)
    tasks.get(config.task.name)
    data.check(config.data)
    optim.check(config.optim)
    check_mesh(config)


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
    model_class = models.get(config.model.name)
    kwargs = {**config.model.kwargs, **task.model_kwargs(splits.info)}
    if hasattr(model_class, 'check'):
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

    return Plan(
        model=model_class(**kwargs),
        task=task,
        splits=splits,
        steps_per_epoch=steps_per_epoch,
        total_steps=total_steps,
        warmup_steps=min(steps('optim.warmup', config.optim.warmup), total_steps),
        log_every=steps('log_every', config.log_every),
        eval_every=steps('eval_every', config.eval_every),
        checkpoint_every=steps('checkpoint.every', config.checkpoint.every),
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
