"""Run by test_multidevice.py in a process with 8 simulated CPU devices (the device count is fixed
when jax starts, so this cannot run inside pytest's process).

`python -m tests.train.multidevice_runs OUT`: trains `config()` on the meshes of MESHES, then
restores the last checkpoint of the 8-device (2, 2, 2) run onto 4 and 2 of the devices with other
shardings. Writes OUT/result.json (losses per mesh, the specs used) and OUT/params_<n>.npz.
"""

import json
import os
import sys

import jax
import ml_collections
import numpy as np

from seqlab import launcher
from seqlab.train import checkpoint, loop, partition, sharding

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

MESHES = {'8': (8, 1, 1), '4x2': (4, 2, 1), '2x2x2': (2, 2, 2)}
RESTORE_MESHES = {4: (1, 2, 2), 2: (1, 1, 2)}  # devices -> (data, fsdp, tensor)


SPEC = 'configs/vit.py:smoke'
# 4 steps of 2 accumulated micro-batches, FSDP on every leaf.
OVERRIDES = {
    'steps': '4',
    'log_every': '1',
    'eval_every': '4',
    'checkpoint.every': '4',
    'optim.accum_steps': '2',
    'mesh.fsdp_min_size': '0',
}


def overrides(mesh: tuple[int, int, int] = (-1, 1, 1)) -> dict[str, str]:
    """OVERRIDES with the mesh sizes (data, fsdp, tensor)."""
    sizes = {f'mesh.{axis}': str(size) for axis, size in zip(partition.AXES, mesh, strict=True)}
    return {**OVERRIDES, **sizes}


def config(mesh: tuple[int, int, int] = (-1, 1, 1)) -> ml_collections.ConfigDict:
    """The ViT smoke config with `overrides(mesh)`."""
    return launcher.load_config(os.path.join(REPO, SPEC), overrides(mesh))


def train_losses(workdir: str) -> list[float]:
    with open(os.path.join(workdir, 'metrics.jsonl')) as f:
        records = [json.loads(line) for line in f]
    return [r['train/loss'] for r in records if 'train/loss' in r]


def flat_params(params) -> dict[str, np.ndarray]:
    flat, _ = jax.tree_util.tree_flatten_with_path(jax.device_get(params))
    return {jax.tree_util.keystr(p, simple=True, separator='/'): np.asarray(v) for p, v in flat}


def restore_on(workdir: str, run: loop.Run, mesh: tuple[int, int, int]) -> dict:
    """Restore `workdir`'s checkpoint onto the first prod(mesh) devices with that mesh's rules."""
    mesh_config = config(mesh).mesh
    devices = jax.devices()[: int(np.prod(mesh))]
    abstract = jax.tree.map(lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype), run.abstract_state)
    shardings = sharding.state_sharding(
        sharding.make_mesh(mesh_config, devices), abstract, mesh_config
    )
    target = jax.tree.map(
        lambda a, s: jax.ShapeDtypeStruct(a.shape, a.dtype, sharding=s), abstract, shardings
    )
    ckpt = checkpoint.Checkpointer(os.path.join(workdir, 'checkpoints'))
    try:
        state, _, _ = ckpt.restore(target)
    finally:
        ckpt.close()
    kernel = state.params['encoder']['blocks']['mlp']['hidden']['kernel']
    return {
        'params': flat_params(state.params),
        'devices': len(kernel.sharding.device_set),
        'shard_shape': list(kernel.addressable_shards[0].data.shape),
    }


def main(out: str) -> None:
    assert jax.device_count() == 8, jax.device_count()
    result = {'losses': {}, 'specs': {}}
    for name, mesh in MESHES.items():
        run = loop.Run(config(mesh), os.path.join(out, name))
        run.train()
        result['losses'][name] = train_losses(run.workdir)
        specs = partition.state_specs(run.abstract_state, dict(run.mesh.shape), run.config.mesh)
        result['specs'][name] = list(specs.params['encoder']['blocks']['mlp']['hidden']['kernel'])
    saved = os.path.join(out, '2x2x2')
    result['restored'] = {}
    for devices, mesh in {8: MESHES['2x2x2'], **RESTORE_MESHES}.items():
        restored = restore_on(saved, run, mesh)
        np.savez(os.path.join(out, f'params_{devices}.npz'), **restored.pop('params'))
        result['restored'][devices] = restored
    with open(os.path.join(out, 'result.json'), 'w') as f:
        json.dump(result, f)


if __name__ == '__main__':
    main(sys.argv[1])
