"""Device mesh from `config.mesh` and the shardings of batches and state. No pmap.

Axes: `data` (batch), `fsdp` (batch and parameter shards), `tensor` (model parallel). One size may
be -1 and takes the remaining devices. Batches are split over data × fsdp.
"""

from typing import Any

import jax
import ml_collections
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from seqlab.config import ConfigError

AXES = ('data', 'fsdp', 'tensor')


def mesh_shape(mesh_config: ml_collections.ConfigDict, num_devices: int) -> tuple[int, ...]:
    """Resolve the -1 entry; the product must equal the device count."""
    sizes = [int(mesh_config[axis]) for axis in AXES]
    if sizes.count(-1) > 1:
        raise ConfigError(
            f'config.mesh={dict(zip(AXES, sizes, strict=True))}: at most one axis may be -1'
        )
    known = int(np.prod([s for s in sizes if s != -1]))
    if any(s == 0 or s < -1 for s in sizes) or num_devices % known:
        raise ConfigError(
            f'config.mesh={dict(zip(AXES, sizes, strict=True))} does not fit {num_devices} devices'
        )
    sizes = [num_devices // known if s == -1 else s for s in sizes]
    if int(np.prod(sizes)) != num_devices:
        raise ConfigError(
            f'config.mesh={dict(zip(AXES, sizes, strict=True))} uses {int(np.prod(sizes))} devices; '
            f'there are {num_devices}'
        )
    return tuple(sizes)


def make_mesh(mesh_config: ml_collections.ConfigDict) -> Mesh:
    devices = jax.devices()
    shape = mesh_shape(mesh_config, len(devices))
    return Mesh(np.asarray(devices).reshape(shape), AXES)


def batch_sharding(mesh: Mesh) -> NamedSharding:
    return NamedSharding(mesh, PartitionSpec(('data', 'fsdp')))


def replicated(mesh: Mesh) -> NamedSharding:
    return NamedSharding(mesh, PartitionSpec())


def state_sharding(mesh: Mesh, abstract_state: Any) -> Any:
    """Parameters and optimizer state are replicated (sharding rules come with the scale work)."""
    return jax.tree.map(lambda _: replicated(mesh), abstract_state)


def global_batch(local_batch: dict, mesh: Mesh) -> dict:
    """Assemble this process's numpy batch into global jax Arrays sharded over data × fsdp."""
    sharding = batch_sharding(mesh)
    return {
        key: jax.make_array_from_process_local_data(sharding, value)
        for key, value in local_batch.items()
    }
