"""Cost of a 1-D convolution vs self-attention as the sequence length n grows.

The lecture's per-layer costs: a convolution of width k over d channels is O(n k d^2), the core
of self-attention (scores Q K^T and the weighted sum of V) is O(n^2 d); they cross at n = k d.
Both run on x [1, n, d], float32: `causal_conv1d(x, kernel [k, d, d])` and single-head
`dot_product_attention(x, x, x)` (no projections, so only the n^2 term is measured). FLOPs come
from XLA's `cost_analysis()` of the compiled program; times are medians after a warm-up, the two
sides alternating.

  python experiments/conv_vs_attention_cost.py   # writes results/conv_vs_attention_cost.md
"""

import argparse
import os
import platform
import time

import jax
import jax.numpy as jnp
import numpy as np
import report

from seqlab.layers.attention import dot_product_attention
from seqlab.layers.conv import causal_conv1d

WIDTH, KERNEL = 128, 3
LENGTHS = (256, 512, 1024, 2048, 4096, 8192)


def programs(length: int) -> dict:
    rng_x, rng_w = jax.random.split(jax.random.PRNGKey(length))
    x = jax.random.normal(rng_x, (1, length, WIDTH), jnp.float32)
    kernel = jax.random.normal(rng_w, (KERNEL, WIDTH, WIDTH), jnp.float32) / WIDTH**0.5

    def attention(x):
        heads = x[:, :, None, :]  # one head of width d
        return dot_product_attention(heads, heads, heads)

    return {
        'conv1d': (jax.jit(causal_conv1d).lower(x, kernel).compile(), (x, kernel)),
        'self-attention': (jax.jit(attention).lower(x).compile(), (x,)),
    }


def flops(compiled) -> float:
    analysis = compiled.cost_analysis()
    analysis = analysis[0] if isinstance(analysis, list | tuple) else analysis
    return float(analysis['flops'])


def median_times(runs: dict, rounds: int) -> dict[str, float]:
    for compiled, args in runs.values():
        jax.block_until_ready(compiled(*args))  # warm-up
    times = {name: [] for name in runs}
    for _ in range(rounds):
        for name, (compiled, args) in runs.items():
            start = time.perf_counter()
            jax.block_until_ready(compiled(*args))
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(values)) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--out', default='results/conv_vs_attention_cost.md')
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    lines = [
        '# Conv1D vs self-attention: cost as n grows',
        '',
        f'Command: `python experiments/conv_vs_attention_cost.py --rounds {args.rounds}`; '
        f'{os.cpu_count()} CPU cores ({platform.processor() or platform.machine()}), '
        f'JAX {jax.__version__} on {jax.devices()[0].platform}. d = {WIDTH} channels, conv width '
        f'k = {KERNEL}, batch 1, float32; crossover n = k d = {KERNEL * WIDTH}. Formula columns: '
        '2 n k d^2 (conv) and 4 n^2 d (Q K^T and the weighted sum of V, 2 FLOPs a multiply-add).',
        '',
        '| n | conv MFLOP (XLA) | 2nkd² | attention MFLOP (XLA) | 4n²d | conv ms | attention ms '
        '| attention / conv time |',
        '|---|---|---|---|---|---|---|---|',
    ]
    for length in LENGTHS:
        runs = programs(length)
        conv_flops, attention_flops = (flops(compiled) for compiled, _ in runs.values())
        times = median_times(runs, args.rounds)
        conv_ms, attention_ms = 1e3 * times['conv1d'], 1e3 * times['self-attention']
        lines.append(
            f'| {length:,} | {conv_flops / 1e6:,.1f} | {2 * length * KERNEL * WIDTH**2 / 1e6:,.1f} | '
            f'{attention_flops / 1e6:,.1f} | {4 * length**2 * WIDTH / 1e6:,.1f} | '
            f'{conv_ms:.2f} | {attention_ms:.2f} | {attention_ms / conv_ms:.1f} |'
        )
        print(lines[-1], flush=True)
    lines += [
        '',
        'Convolution cost grows linearly in n; attention grows as n^2 and overtakes it past',
        'n = k d. XLA also counts the softmax (exp, max, sum, divide: a few FLOPs per score).',
        f'Load average (1 min) before / after: {load_before:.1f} / {os.getloadavg()[0]:.1f}.',
        '',
    ]
    report.publish('\n'.join(lines), args.out)


if __name__ == '__main__':
    main()
