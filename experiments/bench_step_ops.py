"""Where the ViT benchmark step's time can go: its matmuls and its attention core, each alone.

For the step of `bench_vit_vs_torch.py` (tokens x batch = 4096 rows, width 192, MLP 768, 3 heads
of 64), every dense layer's three matmuls — forward x @ W, input gradient dy @ W^T, weight
gradient x^T @ dy — are timed jitted in JAX and with torch.mm (same thread count, same allocator),
and the attention core (scores, softmax, weighted sum; forward and backward) in four layouts that
give identical outputs. Each op: the minimum of 5 calls, median over 7 interleaved rounds.

The floor: the whole step's dense matmuls, each at the speed of the faster library (JAX or
torch.mm; Q, K, V fused or separate, whichever is faster), plus the attention core's matmul FLOPs
at the peak of a 2048^2 matmul — against the seqlab (unrolled) and PyTorch eager steps timed in
the same run, and the step time that 1.25x PyTorch eager would need. What is left between the
floor and that time must hold everything else: LayerNorms, GELUs, softmaxes, residuals, Adam.

  python experiments/bench_step_ops.py   # -> results/bench_step_ops.md
"""

import argparse
import os
import statistics
import time
from collections.abc import Callable

import bench_vit_vs_torch
import benchlib
import jax
import jax.numpy as jnp
import numpy as np

from seqlab.layers.attention import dot_product_attention

ROUNDS, CALLS = 7, 5
STEPS_PER_ROUND, TARGET_SPEEDUP = 4, 1.25
MATMULS = ('forward x @ W', 'input grad dy @ W^T', 'weight grad x^T @ dy')


def dense_layers(shape: benchlib.VitShape) -> dict[str, tuple[int, int]]:
    """name -> (inputs, outputs) of each dense layer in a block."""
    width, hidden = shape.width, shape.mlp_dim
    return {
        'qkv (3 fused)': (width, 3 * width),
        'attention out': (width, width),
        'mlp hidden': (width, hidden),
        'mlp output': (hidden, width),
    }


def interleaved(calls: dict[str, Callable[[], object]]) -> dict[str, float]:
    """name -> seconds: per round the minimum of CALLS calls; the median over ROUNDS rounds."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(ROUNDS):
        for name, call in calls.items():
            best = float('inf')
            for _ in range(CALLS):
                start = time.perf_counter()
                call()
                best = min(best, time.perf_counter() - start)
            times[name].append(best)
    return {name: statistics.median(values) for name, values in times.items()}


def jax_matmuls(rows: int, layers: dict) -> dict[tuple[str, str], Callable]:
    kinds = {
        'forward x @ W': lambda x, w, dy: x @ w,
        'input grad dy @ W^T': lambda x, w, dy: dy @ w.T,
        'weight grad x^T @ dy': lambda x, w, dy: x.T @ dy,
        # x^T written out first (a copy), then a plain [in, rows] @ [rows, out] matmul
        'weight grad, x^T copied first': lambda x, w, dy: jax.lax.optimization_barrier(x.T) @ dy,
    }
    calls = {}
    for layer, (fan_in, fan_out) in layers.items():
        keys = jax.random.split(jax.random.key(0), 3)
        x = jax.random.normal(keys[0], (rows, fan_in))
        w = jax.random.normal(keys[1], (fan_in, fan_out))
        dy = jax.random.normal(keys[2], (rows, fan_out))
        for kind, f in kinds.items():
            compiled = jax.jit(f).lower(x, w, dy).compile()
            calls[(layer, kind)] = lambda c=compiled, a=(x, w, dy): c(*a).block_until_ready()
    return calls


def torch_matmuls(rows: int, layers: dict, threads: int) -> dict[tuple[str, str], Callable]:
    import torch

    torch.set_num_threads(threads)
    calls = {}
    for layer, (fan_in, fan_out) in layers.items():
        x, w, dy = (
            torch.randn(rows, fan_in),
            torch.randn(fan_in, fan_out),
            torch.randn(rows, fan_out),
        )
        calls[(layer, 'forward x @ W')] = lambda x=x, w=w: x @ w
        calls[(layer, 'input grad dy @ W^T')] = lambda dy=dy, w=w: dy @ w.T
        calls[(layer, 'weight grad x^T @ dy')] = lambda x=x, dy=dy: x.T @ dy
        calls[(layer, 'weight grad, x^T copied first')] = lambda x=x, dy=dy: x.T.contiguous() @ dy
    return calls


def attention_layouts(batch: int, tokens: int, heads: int, depth: int) -> dict[str, Callable]:
    """Forward + backward of the attention core in layouts with identical outputs."""

    def heads_first(q, k, v):  # [B, H, T, D]
        q, k, v = (x.transpose(0, 2, 1, 3) for x in (q, k, v))
        weights = jax.nn.softmax(jnp.einsum('bhqd,bhkd->bhqk', q / jnp.sqrt(depth), k), -1)
        return jnp.einsum('bhqk,bhkd->bhqd', weights, v).transpose(0, 2, 1, 3)

    def one_batch(q, k, v):  # [B * H, T, D]
        q, k, v = (x.transpose(0, 2, 1, 3).reshape(-1, tokens, depth) for x in (q, k, v))
        weights = jax.nn.softmax(jnp.einsum('nqd,nkd->nqk', q / jnp.sqrt(depth), k), -1)
        out = jnp.einsum('nqk,nkd->nqd', weights, v)
        return out.reshape(batch, heads, tokens, depth).transpose(0, 2, 1, 3)

    layouts = {
        'seqlab [B, T, H, D] einsums': dot_product_attention,
        '[B, H, T, D]': heads_first,
        '[B*H, T, D]': one_batch,
        'jax.nn.dot_product_attention': jax.nn.dot_product_attention,
    }
    q, k, v, g = (
        jax.random.normal(key, (batch, tokens, heads, depth))
        for key in jax.random.split(jax.random.key(1), 4)
    )
    calls = {}
    for name, attend in layouts.items():
        grad = jax.jit(jax.grad(lambda q, k, v, f=attend: jnp.vdot(f(q, k, v), g), (0, 1, 2)))
        calls[name] = lambda f=grad: jax.block_until_ready(f(q, k, v))
    return calls


def whole_steps(shape: benchlib.VitShape, threads: int) -> dict[str, float]:
    """side -> median seconds per train step; the two sides take turns, ROUNDS rounds."""
    runs = {
        'seqlab (unrolled)': bench_vit_vs_torch.jax_step(shape, scan=False),
        'PyTorch eager': bench_vit_vs_torch.torch_step(shape, compiled=False, threads=threads),
    }
    times: dict[str, list[float]] = {side: [] for side in runs}
    for run in runs.values():
        for _ in range(bench_vit_vs_torch.WARMUP_STEPS):
            jax.block_until_ready(run())
    for _ in range(ROUNDS):
        for side, run in runs.items():
            times[side] += benchlib.timed_calls(run, STEPS_PER_ROUND)
    return {side: statistics.median(seconds) for side, seconds in times.items()}


def dense_step(shape: benchlib.VitShape, times: dict[tuple[str, str], float]) -> float:
    """Seconds of every block's dense matmuls, each op taking `times[(layer, matmul)]`.

    Q, K, V count as one fused [d, 3d] layer or three [d, d] ones, whichever is faster. The patch
    embedding and the head are left out, so with the faster library's times this is a lower bound
    on the step's dense work.
    """
    per_block = 0.0
    for kind in MATMULS:
        separate_qkv = 3 * times[('attention out', kind)]
        per_block += min(times[('qkv (3 fused)', kind)], separate_qkv)
        per_block += sum(
            times[(layer, kind)] for layer in ('attention out', 'mlp hidden', 'mlp output')
        )
    return shape.depth * per_block


def batched_matmuls(
    batch: int, tokens: int, depth: int, threads: int
) -> dict[tuple[str, str], Callable]:
    """The attention core's batched matmul, [n, T, D] @ [n, T, D]^T and [n, T, T] @ [n, T, D]
    with n = batch x heads, in XLA and with torch.bmm."""
    import torch

    torch.set_num_threads(threads)
    a, b = (
        np.asarray(jax.random.normal(key, (batch, tokens, depth)))
        for key in jax.random.split(jax.random.key(2), 2)
    )
    scores = jax.jit(lambda a, b: jnp.einsum('nqd,nkd->nqk', a, b)).lower(a, b).compile()
    weighted = jax.jit(lambda a, b: jnp.einsum('nqk,nkd->nqd', a, b)).lower(a, b).compile()
    ja, jb, ta, tb = jnp.asarray(a), jnp.asarray(b), torch.from_numpy(a), torch.from_numpy(b)
    return {
        ('scores Q K^T', 'XLA'): lambda: scores(ja, jb).block_until_ready(),
        ('scores Q K^T', 'torch.bmm'): lambda: torch.bmm(ta, tb.transpose(1, 2)),
        ('weighted sum P V', 'XLA'): lambda: weighted(ja, jb).block_until_ready(),
        ('weighted sum P V', 'torch.bmm'): lambda: torch.bmm(ta, tb),
    }


def core_matmul_flops(shape: benchlib.VitShape) -> int:
    """FLOPs of one of the attention core's batched matmuls (QK^T or weights @ V): 2 B H T^2 D."""
    return 2 * shape.batch * shape.heads * shape.tokens**2 * (shape.width // shape.heads)


def attention_flops(shape: benchlib.VitShape) -> float:
    """FLOPs of the attention core's matmuls in one step: QK^T and weights @ V, forward (2) and
    backward (4 more), in every block."""
    return shape.depth * 6 * core_matmul_flops(shape)


def floor_rows(
    shape: benchlib.VitShape,
    dense: dict[str, float],
    attention_core: float,
    peak: float,
    steps: dict[str, float],
) -> list[list[str]]:
    """Where the seqlab step goes, and what bounds any step from below, against the target.

    dense: 'JAX' and 'fastest' -> seconds of the step's dense matmuls; attention_core: seconds of
    one block's attention core (forward + backward) as seqlab runs it.
    """
    eager, seqlab = steps['PyTorch eager'], steps['seqlab (unrolled)']
    target = eager / TARGET_SPEEDUP
    floor = dense['fastest'] + attention_flops(shape) / peak
    seqlab_attention = shape.depth * attention_core

    def row(name: str, seconds: float) -> list[str]:
        return [name, f'{seconds * 1e3:.0f}', f'{eager / seconds:.2f}x']

    return [
        row('PyTorch eager step, measured', eager),
        row('seqlab step (unrolled), measured', seqlab),
        ['- its dense matmuls (JAX, each alone)', f'{dense["JAX"] * 1e3:.0f}', '-'],
        ['- its attention core (each block alone)', f'{seqlab_attention * 1e3:.0f}', '-'],
        [
            '- the rest by difference (norms, GELU, residuals, Adam, overlap)',
            f'{(seqlab - dense["JAX"] - seqlab_attention) * 1e3:.0f}',
            '-',
        ],
        row(f'{TARGET_SPEEDUP}x PyTorch eager (the target)', target),
        row('floor: dense matmuls at the faster library', dense['fastest']),
        row(f'floor + attention matmuls at the {peak / 1e9:.0f} GFLOP/s peak', floor),
        ['left between that floor and the target', f'{(target - floor) * 1e3:.0f}', '-'],
    ]


def main() -> None:
    benchlib.use_seqlab_allocator()
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--threads', type=int, default=os.cpu_count())
    parser.add_argument('--out', default='results')
    args = parser.parse_args()
    shape = benchlib.VitShape()
    rows, layers = shape.batch * shape.tokens, dense_layers(shape)
    start, load_before = time.perf_counter(), benchlib.load_average()
    jax_times = interleaved(jax_matmuls(rows, layers))
    torch_times = interleaved(torch_matmuls(rows, layers, args.threads))
    head_dim = shape.width // shape.heads
    attention = interleaved(attention_layouts(shape.batch, shape.tokens, shape.heads, head_dim))
    bmm = interleaved(
        batched_matmuls(shape.batch * shape.heads, shape.tokens, head_dim, args.threads)
    )
    steps = whole_steps(shape, args.threads)
    peak = benchlib.matmul_peak()
    fastest = {key: min(jax_times[key], torch_times[key]) for key in jax_times}
    dense = {'JAX': dense_step(shape, jax_times), 'fastest': dense_step(shape, fastest)}
    core = attention['seqlab [B, T, H, D] einsums']
    floor = floor_rows(shape, dense, core, peak, steps)
    bmm_rows = [
        [matmul, side, f'{s * 1e3:.2f}', f'{core_matmul_flops(shape) / s / 1e9:.0f}']
        for (matmul, side), s in bmm.items()
    ]
    matmul_rows = []
    for (layer, kind), seconds in jax_times.items():
        flops = 2 * rows * np.prod(layers[layer])
        torch_seconds = torch_times[(layer, kind)]
        matmul_rows.append(
            [
                layer,
                kind,
                f'{seconds * 1e3:.2f}',
                f'{flops / seconds / 1e9:.0f}',
                f'{torch_seconds * 1e3:.2f}',
                f'{flops / torch_seconds / 1e9:.0f}',
            ]
        )
    lines = [
        "# The ViT benchmark step's ops, each alone",
        '',
        'Command: `python experiments/bench_step_ops.py`',
        f'Machine: {benchlib.machine()}; {args.threads} threads for JAX and torch.',
        f'Load average (1 min) before / after: {load_before} / {benchlib.load_average()}; '
        f'{time.perf_counter() - start:.0f} s in all. Each op: min of {CALLS} calls, median of '
        f'{ROUNDS} interleaved rounds.',
        '',
        f'Dense layers ({rows} rows = batch {shape.batch} x {shape.tokens} tokens):',
        '',
        *benchlib.markdown_table(
            ['layer', 'matmul', 'JAX ms', 'JAX GFLOP/s', 'torch ms', 'torch GFLOP/s'], matmul_rows
        ),
        '',
        f'Attention core, forward + backward, one layer ({shape.heads} heads of '
        f'{shape.width // shape.heads}, {shape.tokens} tokens, batch {shape.batch}; identical '
        'outputs but jax.nn, whose softmax differs by float rounding):',
        '',
        *benchlib.markdown_table(
            ['layout', 'ms'], [[name, f'{s * 1e3:.2f}'] for name, s in attention.items()]
        ),
        '',
        f"The attention core's batched matmuls alone ({shape.batch * shape.heads} matrices of "
        f'{shape.tokens} x {head_dim}):',
        '',
        *benchlib.markdown_table(['matmul', 'library', 'ms', 'GFLOP/s'], bmm_rows),
        '',
        f'Where the step goes, and the floor under it ({shape.depth} blocks; steps: median of '
        f'{ROUNDS} alternating rounds x {STEPS_PER_ROUND} steps per side):',
        '',
        *benchlib.markdown_table(['what', 'ms / step', 'speed vs PyTorch eager'], floor),
    ]
    benchlib.write_report(args.out, 'bench_step_ops', lines)


if __name__ == '__main__':
    main()
