"""Scale on 8 simulated CPU devices: the same config trains to the same losses on meshes (8),
(4, 2), (2, 2, 2) and on one device, and a checkpoint saved sharded on 8 devices restores
bit-exactly on 4, 2 and 1 devices. The 8-device part runs once, in a subprocess
(tests/train/multidevice_runs.py), because jax fixes the device count when it starts. A real
multi-host launch — two processes on localhost joined by jax.distributed — trains like one."""

import json
import os
import socket
import subprocess
import sys

import jax
import numpy as np
import pytest

from seqlab.train import loop
from tests.conftest import REPO
from tests.train import multidevice_runs


@pytest.fixture(scope='module')
def one_device(tmp_path_factory):
    """The single-device run (pytest's process has one CPU device); builds the data first."""
    assert jax.device_count() == 1
    run = loop.Run(multidevice_runs.config(), str(tmp_path_factory.mktemp('one_device')))
    run.train()
    return run


@pytest.fixture(scope='module')
def eight_devices(one_device, tmp_path_factory):
    out = tmp_path_factory.mktemp('eight_devices')
    flags = os.environ.get('XLA_FLAGS', '') + ' --xla_force_host_platform_device_count=8'
    done = subprocess.run(
        [sys.executable, '-m', 'tests.train.multidevice_runs', str(out)],
        cwd=REPO,
        env={**os.environ, 'XLA_FLAGS': flags},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with open(out / 'result.json') as f:
        return out, json.load(f)


def test_meshes_give_the_losses_of_one_device(one_device, eight_devices):
    _, result = eight_devices
    reference = multidevice_runs.train_losses(one_device.workdir)
    assert len(reference) == 4
    for name, losses in result['losses'].items():
        np.testing.assert_allclose(losses, reference, rtol=2e-5, err_msg=f'mesh {name}')
    # The runs really were sharded: FSDP and tensor axes on the scanned MLP kernel [L, D, F].
    assert result['specs'] == {
        '8': [None, None, None],
        '4x2': [None, None, 'fsdp'],  # the larger axis (32)
        '2x2x2': [None, 'fsdp', 'tensor'],
    }


def test_checkpoint_from_8_devices_restores_bitwise_on_4_2_and_1(one_device, eight_devices):
    out, result = eight_devices
    # [2, 16, 32] split over fsdp (width) and tensor (mlp_dim) as each restoring mesh says.
    assert result['restored'] == {
        '8': {'devices': 8, 'shard_shape': [2, 8, 16]},
        '4': {'devices': 4, 'shard_shape': [2, 8, 16]},
        '2': {'devices': 2, 'shard_shape': [2, 16, 16]},
    }
    saved = dict(np.load(out / 'params_8.npz'))
    assert len(saved) > 10
    restored_on_one = multidevice_runs.flat_params(
        loop.Run(multidevice_runs.config(), str(out / '2x2x2')).restore_params()[0]
    )
    for devices, params in [
        (4, dict(np.load(out / 'params_4.npz'))),
        (2, dict(np.load(out / 'params_2.npz'))),
        (1, restored_on_one),
    ]:
        assert params.keys() == saved.keys()
        for path, value in saved.items():
            np.testing.assert_array_equal(params[path], value, err_msg=f'{path} on {devices}')


def test_two_processes_train_like_one_device(one_device, tmp_path):
    """launch.py on 2 hosts × 2 CPU devices (data 2 × fsdp 2): every process reads half of each
    batch; one metrics file, the single-device losses, and a checkpoint that restores on 1."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    flags = os.environ.get('XLA_FLAGS', '') + ' --xla_force_host_platform_device_count=2'
    args = [f'--config={multidevice_runs.SPEC}', f'--workdir={tmp_path}']
    args += [f'--config.{k}={v}' for k, v in multidevice_runs.overrides((2, 2, 1)).items()]
    hosts = [
        subprocess.Popen(
            [sys.executable, 'launch.py', *args],
            cwd=REPO,
            env={
                **os.environ,
                'XLA_FLAGS': flags,
                'JAX_COORDINATOR_ADDRESS': f'127.0.0.1:{port}',
                'JAX_NUM_PROCESSES': '2',
                'JAX_PROCESS_ID': str(index),
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index in range(2)
    ]
    errors = [host.communicate(timeout=600)[1] for host in hosts]
    assert [host.returncode for host in hosts] == [0, 0], errors[0][-2000:] + errors[1][-2000:]
    assert 'process 1 of 2' in errors[1]
    np.testing.assert_allclose(
        multidevice_runs.train_losses(str(tmp_path)),
        multidevice_runs.train_losses(one_device.workdir),
        rtol=2e-5,
    )
    params, step = loop.Run(multidevice_runs.config(), str(tmp_path)).restore_params()
    assert step == 4 and multidevice_runs.flat_params(params).keys() == set(
        multidevice_runs.flat_params(one_device.restore_params()[0])
    )
