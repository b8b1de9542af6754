"""Process settings that must be in the environment before JAX starts, chosen per platform.

Nothing here imports JAX: the platform is read from JAX_PLATFORMS, else from the accelerator
plugins installed (the CUDA plugin of `jax[cuda12]`, libtpu of `jax[tpu]`), else 'cpu'.

- CPU: XLA allocates and frees ~0.5 GB of temporaries every train step; glibc's default malloc
  returns that memory to the OS and faults it back in each step (measured: ~150k page faults and
  a 1.3x slower step). `allocator` keeps freed memory in the process. GPU and TPU memory is
  XLA's own, so there it sets nothing.
- Several processes on one device (parallel sweep trials, benchmark workers, pytest-xdist):
  JAX preallocates 75% of a GPU's memory per process, so the second one fails. `share_device`
  gives each process an equal share (XLA_PYTHON_CLIENT_MEM_FRACTION = 0.9 / processes).
- Exact resume on a GPU needs deterministic scatter-add and convolution algorithms:
  `deterministic` adds --xla_gpu_deterministic_ops=true to XLA_FLAGS there.
A variable the user has set already is never overridden.
"""

import importlib.util
import os
from collections.abc import Mapping

CPU_ALLOCATOR = {
    'MALLOC_ARENA_MAX': '1',
    'MALLOC_MMAP_MAX_': '0',
    'MALLOC_TRIM_THRESHOLD_': str(1 << 40),
    'MALLOC_TOP_PAD_': str(1 << 30),
}
GPU_PLUGINS = ('jax_cuda12_plugin', 'jax_cuda13_plugin', 'jax_rocm60_plugin')
MEMORY_FRACTION = 'XLA_PYTHON_CLIENT_MEM_FRACTION'
DETERMINISTIC_FLAG = '--xla_gpu_deterministic_ops=true'


def platform(environ: Mapping[str, str] = os.environ) -> str:
    """'cpu', 'gpu' or 'tpu': what JAX will run on, without importing it."""
    requested = environ.get('JAX_PLATFORMS', '').split(',')[0].strip().lower()
    if requested:
        return 'gpu' if requested in ('cuda', 'rocm', 'gpu') else requested
    if any(importlib.util.find_spec(name) for name in GPU_PLUGINS):
        return 'gpu'
    return 'tpu' if importlib.util.find_spec('libtpu') else 'cpu'


def allocator(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The glibc malloc settings to add on CPU ({} elsewhere, or when all are set)."""
    if platform(environ) != 'cpu':
        return {}
    return {key: value for key, value in CPU_ALLOCATOR.items() if key not in environ}


def share_device(processes: int, environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """XLA_PYTHON_CLIENT_MEM_FRACTION for one of `processes` processes sharing each device."""
    if processes <= 1 or MEMORY_FRACTION in environ:
        return {}
    return {MEMORY_FRACTION: f'{0.9 / processes:.3f}'}


def deterministic(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """XLA_FLAGS with deterministic GPU ops added ({} off GPUs, or when already there)."""
    flags = environ.get('XLA_FLAGS', '')
    if platform(environ) != 'gpu' or 'xla_gpu_deterministic_ops' in flags:
        return {}
    return {'XLA_FLAGS': f'{flags} {DETERMINISTIC_FLAG}'.strip()}
