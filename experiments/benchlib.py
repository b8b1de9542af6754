"""Shared by the bench_*.py scripts: the benchmark ViT, timing, FLOP counting, machine facts.

The benchmark model is a seqlab ViT: 6 pre-LN blocks, width 192, 3 heads, MLP 768,
32x32x1 images cut into 4x4 patches (64 tokens, mean pooling), batch 64, 10 classes, Adam,
trained through seqlab's own `make_train_step` (the loop's loss, gradient and update).
"""

import dataclasses
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import report

# `python experiments/<script>.py` puts experiments/ on the path; seqlab and launch.py live above.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from seqlab import runtime  # noqa: E402
from seqlab.models.vit import ViT  # noqa: E402
from seqlab.tasks.classification import Classification  # noqa: E402
from seqlab.train import loop  # noqa: E402
from seqlab.train import state as state_lib  # noqa: E402


@dataclasses.dataclass(frozen=True)
class VitShape:
    """Shapes of the benchmark ViT and its batch."""

    depth: int = 6
    width: int = 192
    heads: int = 3
    mlp_dim: int = 768
    image: int = 32
    patch: int = 4
    batch: int = 64
    num_classes: int = 10

    @property
    def tokens(self) -> int:
        return (self.image // self.patch) ** 2


@dataclasses.dataclass(frozen=True)
class _Plan:
    """The two fields of `preflight.Plan` that `loop.make_train_step` reads."""

    model: Any
    task: Any


def use_seqlab_allocator() -> None:
    """Re-execute this script under launch.py's allocator settings, as every seqlab run is."""
    if settings := runtime.allocator(os.environ):  # CPU only
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **settings})


def vit(shape: VitShape, *, scan: bool = True, **kwargs: Any) -> ViT:
    return ViT(
        num_classes=shape.num_classes,
        patch=shape.patch,
        width=shape.width,
        depth=shape.depth,
        heads=shape.heads,
        mlp_dim=shape.mlp_dim,
        pool='mean',
        scan=scan,
        **kwargs,
    )


def synthetic_batch(shape: VitShape, seed: int = 0) -> dict[str, np.ndarray]:
    """A classification batch: images [B, H, W, 1] float32, labels, mask of ones, ids."""
    rng = np.random.default_rng(seed)
    return {
        'image': rng.standard_normal((shape.batch, shape.image, shape.image, 1), np.float32),
        'label': rng.integers(0, shape.num_classes, shape.batch).astype(np.int32),
        'mask': np.ones(shape.batch, np.float32),
        'id': np.arange(shape.batch, dtype=np.int64),
    }


def train_step(model: Any, batch: dict, lr: float = 1e-3, task: Any = None) -> tuple[Callable, Any]:
    """(jitted seqlab train step with donated state, initial state) for `model` on Adam, with
    `task`'s loss (default: classification, as the benchmark ViT trains)."""
    task = Classification() if task is None else task
    tx = optax.adam(lr)
    sample = tuple(jnp.asarray(x[:1]) for x in task.inputs(batch))
    state = jax.jit(lambda: state_lib.create(model, tx, sample, seed=0))()
    step = jax.jit(loop.make_train_step(_Plan(model, task), accum_steps=1), donate_argnums=0)
    return step, state


def step_flops(model: ViT, batch: dict) -> float:
    """FLOPs of one train step from XLA's cost analysis of the unscanned model.

    (A scanned body may be counted once instead of once per layer, so count without scan.)
    """
    unscanned = model.clone(scan=False)
    step, state = train_step(unscanned, batch)
    cost = step.lower(state, batch).compile().cost_analysis()
    cost = cost[0] if isinstance(cost, list) else cost
    return float(cost['flops'])


def lowered_step_flops(model: Any, batch: dict, task: Any = None) -> float:
    """FLOPs of one train step of `model` with `task`'s loss (default: classification), from
    XLA's cost analysis of the lowered, not compiled, step: nothing is compiled or allocated.

    Give an unscanned model with `naive` attention: a fused attention kernel is a custom call
    whose FLOPs XLA does not count.
    """
    task = Classification() if task is None else task
    sample = tuple(jnp.asarray(x[:1]) for x in task.inputs(batch))
    state = jax.eval_shape(lambda: state_lib.create(model, optax.adam(1e-3), sample, seed=0))
    step = jax.jit(loop.make_train_step(_Plan(model, task), accum_steps=1))
    cost = step.lower(state, batch).cost_analysis()
    cost = cost[0] if isinstance(cost, list) else cost
    return float(cost['flops'])


def matmul_size() -> int:
    """Side of the square matmul that measures the peak: large enough to saturate the device."""
    return 2048 if jax.default_backend() == 'cpu' else 8192


def matmul_peak(rounds: int = 10, dtype: Any = jnp.float32, size: int | None = None) -> float:
    """FLOP/s of a jitted [n, n] @ [n, n] matmul in `dtype` (n = `size`, default
    matmul_size()), median of rounds."""
    size = size or matmul_size()
    a = jax.random.normal(jax.random.PRNGKey(0), (size, size), dtype)
    b = jax.random.normal(jax.random.PRNGKey(1), (size, size), dtype)
    matmul = jax.jit(jnp.matmul).lower(a, b).compile()
    seconds = median_seconds(lambda: matmul(a, b), rounds)
    return 2 * size**3 / seconds


def median_seconds(call: Callable[[], Any], rounds: int, warmup: int = 2) -> float:
    """Median wall time of `call()` (blocked until its result is ready) after `warmup` calls."""
    for _ in range(warmup):
        jax.block_until_ready(call())
    return statistics.median(timed_calls(call, rounds))


def timed_calls(call: Callable[[], Any], rounds: int) -> list[float]:
    """Wall seconds of `rounds` calls of `call()`, each blocked until ready."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        jax.block_until_ready(call())
        times.append(time.perf_counter() - start)
    return times


def cpu_model() -> str:
    try:
        with open('/proc/cpuinfo') as handle:
            for line in handle:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    """One line: accelerator (or CPU model), cores, JAX version."""
    device = jax.devices()[0]
    where = (
        f'{device.device_kind} ({device.platform})'
        if device.platform != 'cpu'
        else f'CPU only ({cpu_model()})'
    )
    return (
        f'{where}; {os.cpu_count()} CPU threads; JAX {jax.__version__}, '
        f'Python {platform.python_version()}'
    )


def load_average() -> str:
    """The 1-minute load average (2 means two busy cores here), as text."""
    return f'{os.getloadavg()[0]:.1f}'


def markdown_table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    return lines + ['| ' + ' | '.join(str(cell) for cell in row) + ' |' for row in rows]


def write_report(directory: str, name: str, lines: list[str]) -> None:
    """Print the report and write it to `<directory>/<name>.md`."""
    report.publish('\n'.join(lines) + '\n', os.path.join(directory, f'{name}.md'))
