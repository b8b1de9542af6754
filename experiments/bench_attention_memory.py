"""Peak memory and time of naive vs chunked (online-softmax) self-attention at n = 1k, 4k, 16k.

Batch 1, 8 heads of 64, float32, no mask. Memory is XLA's own account of the compiled program
(`jit(f).lower(...).compile().memory_analysis()`: temporaries + arguments + outputs), for the
forward pass and for the gradient with respect to queries, keys and values; compiling allocates
nothing, so it is reported even where running would not fit. A program runs only if that estimate
fits in 60% of the memory available now. Times are medians of a few rounds after a warm-up call,
the two sides alternating.

  python experiments/bench_attention_memory.py   # writes results/bench_attention_memory.md
"""

import argparse
import os
import platform
import time

import jax
import jax.numpy as jnp
import numpy as np
import report

from seqlab.layers.attention import chunked_dot_product_attention, dot_product_attention

HEADS, HEAD_DIM = 8, 64
CHUNK = 1024
LENGTHS = (1024, 4096, 16384)
GRAD_TIMED_UP_TO = 4096  # the 16k gradients take minutes on 2 cores; their memory is still shown


def attention_functions() -> dict:
    return {
        'naive': dot_product_attention,
        f'chunked {CHUNK}x{CHUNK}': lambda q, k, v: chunked_dot_product_attention(
            q, k, v, query_chunk=CHUNK, key_chunk=CHUNK
        ),
    }


def gradient(attend):
    def loss(q, k, v):
        return jnp.sum(attend(q, k, v) * q)  # a cotangent that is not all ones

    return jax.grad(loss, argnums=(0, 1, 2))


def peak_bytes(compiled) -> int:
    stats = compiled.memory_analysis()
    return stats.temp_size_in_bytes + stats.argument_size_in_bytes + stats.output_size_in_bytes


def available_bytes() -> int:
    with open('/proc/meminfo') as handle:
        for line in handle:
            if line.startswith('MemAvailable:'):
                return int(line.split()[1]) * 1024
    raise RuntimeError('MemAvailable not found in /proc/meminfo')


def median_seconds(compiled, args, rounds: int) -> tuple[float, jax.Array]:
    """(median wall seconds over `rounds` calls, output of the warm-up call)."""
    output = jax.block_until_ready(compiled(*args))
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        jax.block_until_ready(compiled(*args))
        times.append(time.perf_counter() - start)
    return float(np.median(times)), output


def measure(length: int, rounds: int) -> list[dict]:
    keys = jax.random.split(jax.random.PRNGKey(length), 3)
    args = [jax.random.normal(key, (1, length, HEADS, HEAD_DIM), jnp.float32) for key in keys]
    budget = 0.6 * available_bytes()
    rows, outputs = [], {}
    for name, attend in attention_functions().items():
        row = {'n': length, 'name': name}
        for kind, function in (('forward', attend), ('grad', gradient(attend))):
            compiled = jax.jit(function).lower(*args).compile()
            row[f'{kind} MB'] = peak_bytes(compiled) / 2**20
            timed = kind == 'forward' or length <= GRAD_TIMED_UP_TO
            if not timed:
                row[f'{kind} ms'] = 'not timed'
            elif peak_bytes(compiled) > budget:
                row[f'{kind} ms'] = f'does not fit ({budget / 2**30:.0f} GB free)'
            else:
                seconds, output = median_seconds(compiled, args, rounds)
                row[f'{kind} ms'] = f'{1e3 * seconds:.0f}'
                if kind == 'forward':
                    outputs[name] = np.asarray(output)
        rows.append(row)
    if len(outputs) == 2:
        naive, chunked = outputs.values()
        rows[-1]['max |diff|'] = f'{np.abs(naive - chunked).max():.1e}'
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--out', default='results/bench_attention_memory.md')
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    lines = [
        '# Self-attention memory and time: naive vs chunked (online softmax)',
        '',
        f'Command: `python experiments/bench_attention_memory.py --rounds {args.rounds}`; '
        f'{os.cpu_count()} CPU cores ({platform.processor() or platform.machine()}), '
        f'JAX {jax.__version__} on {jax.devices()[0].platform}. Batch 1, {HEADS} heads x '
        f'{HEAD_DIM}, float32. MB = XLA memory analysis of the compiled program (temporaries + '
        'arguments + outputs); ms = median wall time of the rounds after a warm-up.',
        '',
        '| n | attention | forward MB | forward ms | grad MB | grad ms | max abs diff to naive |',
        '|---|---|---|---|---|---|---|',
    ]
    for length in LENGTHS:
        for row in measure(length, args.rounds):
            lines.append(
                f'| {row["n"]:,} | {row["name"]} | {row["forward MB"]:,.0f} | '
                f'{row["forward ms"]} | {row["grad MB"]:,.0f} | {row["grad ms"]} | '
                f'{row.get("max |diff|", "")} |'
            )
            print(lines[-1], flush=True)
    lines += [
        '',
        'The naive path materialises the [heads, n, n] scores (and their gradient), so its memory',
        'grows as n^2; the chunked path keeps one [1024, 1024] block per head at a time and',
        'recomputes blocks in the backward pass, so it grows as n.',
        f'Load average (1 min) before / after: {load_before:.1f} / {os.getloadavg()[0]:.1f}.',
        '',
    ]
    report.publish('\n'.join(lines), args.out)


if __name__ == '__main__':
    main()
