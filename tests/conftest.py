"""Shared test setup: CPU only, one data directory for all workers of a session."""

import os
import subprocess
import sys

import pytest

from seqlab import runtime

os.environ.setdefault('JAX_PLATFORMS', 'cpu')
# Test programs are tiny, so compiling dominates: skip XLA's backend optimisation passes
# (measured: tests/layers 193 s -> 130 s of CPU). Comparisons in tests are within one setting.
os.environ.setdefault('XLA_FLAGS', '--xla_backend_optimization_level=0')
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# pytest-xdist workers share the devices: each takes its share of a GPU's memory (runtime.py).
os.environ.update(runtime.share_device(int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1'))))


# Directories whose tests launch whole runs (seconds to a minute each) go first, so that the
# xdist workers end on short tests and finish together instead of one waiting for the other.
SLOW_FIRST = ('tests/reliability/', 'tests/sweep/', 'tests/interop/', 'tests/train/')


def pytest_collection_modifyitems(items: list) -> None:
    """Stable reorder: SLOW_FIRST directories in that order, then everything else as collected."""

    def rank(item) -> int:
        path = os.path.relpath(str(item.path), REPO)
        return next((i for i, prefix in enumerate(SLOW_FIRST) if path.startswith(prefix)), 99)

    items.sort(key=rank)


@pytest.fixture(scope='session', autouse=True)
def data_dir(tmp_path_factory):
    """Datasets are built once per session (builders lock against concurrent workers)."""
    path = tmp_path_factory.getbasetemp().parent / 'seqlab_data'
    path.mkdir(exist_ok=True)
    os.environ['SEQLAB_DATA_DIR'] = str(path)
    # Programs compiled once (by a test, another worker or a `launch.py` subprocess) are reused
    # instead of recompiled: subprocesses read the environment, this process's jax its config.
    cache = str(path.parent / 'jax_cache')
    os.environ['JAX_COMPILATION_CACHE_DIR'] = cache
    os.environ['JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS'] = '0'
    import jax  # here: after the environment above, as for every test module

    jax.config.update('jax_compilation_cache_dir', cache)
    jax.config.update('jax_persistent_cache_min_compile_time_secs', 0)
    return path


def launch(
    *args: str, env: dict | None = None, timeout: float = 300, **popen_kwargs
) -> subprocess.CompletedProcess:
    """Run `python launch.py ARGS` from the repository root and capture its output."""
    return subprocess.run(
        [sys.executable, 'launch.py', *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        **popen_kwargs,
    )


def run_in_process(
    capsys, workdir, *args: str, spec: str = 'configs/vit.py:smoke', mode: str = 'train'
) -> tuple[int, str]:
    """What `python launch.py --config=SPEC ARGS --workdir=WORKDIR --mode=MODE` does, in this
    process (for input it must reject before compiling): -> (exit code, stderr)."""
    from seqlab import launcher  # here: importing jax must follow the environment set above

    overrides, rest = launcher.split_overrides(list(args))
    assert not rest, rest
    with pytest.raises(SystemExit) as exit_info:
        launcher.run(spec, overrides, str(workdir), mode)
    return exit_info.value.code, capsys.readouterr().err
