"""Device mesh from `config.mesh`, the shardings of batches and state, multi-host start. No pmap.

Axes: `data` (batch), `fsdp` (batch and parameter shards), `tensor` (model parallel). One size may
be -1 and takes the remaining devices. Batches [B, ...] are split over data × fsdp; parameters and
optimizer state follow the rules of `partition.py`.

Multi-host: every host runs the same command; `initialize_distributed` starts
`jax.distributed` when the environment names a cluster (JAX_COORDINATOR_ADDRESS with
JAX_NUM_PROCESSES and JAX_PROCESS_ID, or a SLURM / Open MPI job of several tasks). Each process
then reads its contiguous block of every global batch (`data.get(process_index=...)`).
"""

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

import jax
import ml_collections
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from seqlab.config import ConfigError
from seqlab.train import partition
from seqlab.train.partition import AXES

log = logging.getLogger(__name__)


def mesh_shape(mesh_config: ml_collections.ConfigDict, num_devices: int) -> tuple[int, ...]:
    """(data, fsdp, tensor) with the -1 entry resolved; the product must equal the device count."""
    sizes = [int(mesh_config[axis]) for axis in AXES]
    known = int(np.prod([s for s in sizes if s > 0]))
    if sizes.count(-1) <= 1 and all(s > 0 or s == -1 for s in sizes) and num_devices % known == 0:
        resolved = tuple(num_devices // known if s == -1 else s for s in sizes)
        if int(np.prod(resolved)) == num_devices:
            return resolved
    raise ConfigError(
        f'config.mesh={dict(zip(AXES, sizes, strict=True))} does not fit {num_devices} '
        f'devices; allowed: positive sizes whose product is {num_devices}, at most one -1 '
        '(the remaining devices)'
    )


def check(mesh_config: ml_collections.ConfigDict, num_devices: int) -> None:
    """Mesh sizes and rules, before anything compiles (shapes are checked by `state_sharding`)."""
    mesh_shape(mesh_config, num_devices)
    partition.check_rules(mesh_config.rules)
    if mesh_config.fsdp_min_size < 0:
        raise ConfigError(
            f'config.mesh.fsdp_min_size={mesh_config.fsdp_min_size} must be >= 0 (elements)'
        )


def make_mesh(mesh_config: ml_collections.ConfigDict, devices: Sequence | None = None) -> Mesh:
    """Mesh over `devices` (default all, in process order) with axes data, fsdp, tensor."""
    devices = jax.devices() if devices is None else list(devices)
    shape = mesh_shape(mesh_config, len(devices))
    return Mesh(np.asarray(devices).reshape(shape), AXES)


def batch_sharding(mesh: Mesh) -> NamedSharding:
    return NamedSharding(mesh, PartitionSpec(('data', 'fsdp')))


def replicated(mesh: Mesh) -> NamedSharding:
    return NamedSharding(mesh, PartitionSpec())


def state_sharding(mesh: Mesh, abstract_state: Any, mesh_config: ml_collections.ConfigDict) -> Any:
    """A NamedSharding for every leaf of the state, from the rules in `mesh_config`."""
    specs = partition.state_specs(abstract_state, dict(mesh.shape), mesh_config)
    return jax.tree.map(
        lambda spec: NamedSharding(mesh, spec),
        specs,
        is_leaf=lambda node: isinstance(node, PartitionSpec),
    )


def global_batch(local_batch: dict, mesh: Mesh) -> dict:
    """Assemble this process's numpy batch into global jax Arrays sharded over data × fsdp."""
    sharding = batch_sharding(mesh)
    return {
        key: jax.make_array_from_process_local_data(sharding, value)
        for key, value in local_batch.items()
    }


def initialize_distributed(environ: Mapping[str, str] = os.environ) -> bool:
    """Start jax.distributed when `environ` describes a multi-process launch; True if it did.

    Explicit: JAX_COORDINATOR_ADDRESS=host:port JAX_NUM_PROCESSES=n JAX_PROCESS_ID=i on each
    host. Detected by JAX: SLURM (SLURM_NTASKS > 1) and Open MPI (OMPI_COMM_WORLD_SIZE > 1).
    Call it before anything touches a JAX device.
    """
    if 'JAX_COORDINATOR_ADDRESS' in environ:
        names = ('JAX_NUM_PROCESSES', 'JAX_PROCESS_ID')
        values = [environ.get(name, '') for name in names]
        if not all(value.isdigit() for value in values):
            raise ConfigError(
                f'JAX_COORDINATOR_ADDRESS is set, so {names[0]}={values[0]!r} and '
                f'{names[1]}={values[1]!r} must be set too; allowed: integers, 0 <= id < processes'
            )
        options = dict(
            coordinator_address=environ['JAX_COORDINATOR_ADDRESS'],
            num_processes=int(values[0]),
            process_id=int(values[1]),
        )
    elif max(int(environ.get(name, 1)) for name in ('SLURM_NTASKS', 'OMPI_COMM_WORLD_SIZE')) > 1:
        options = {}
    else:
        return False
    jax.distributed.initialize(**options)
    log.info('process %d of %d', jax.process_index(), jax.process_count())
    return True
