"""Compile time of seqlab's ViT train step at 2, 6, 12 and 24 layers, scanned vs unrolled, and
the step time of the scanned vs the unrolled model.

Compile time = tracing + lowering + XLA compilation of the whole jitted train step
(`jit(step).lower(state, batch).compile()`), the best of `--repeats` fresh compilations (new
model objects each time, so nothing is cached; the variants alternate; one untimed 1-layer
compilation of each kind first absorbs the process's one-off start-up costs). Step time: the
scanned and unrolled steps alternate, `--steps-per-round` steps each turn, median over all rounds.

  python experiments/bench_compile_time.py   # -> results/bench_compile_time.md
"""

import argparse
import dataclasses
import statistics
import time

import benchlib
import jax
import report

DEPTHS = (2, 6, 12, 24)


def compile_seconds(shape: benchlib.VitShape, scan: bool) -> float:
    batch = jax.device_put(benchlib.synthetic_batch(shape))
    step, state = benchlib.train_step(benchlib.vit(shape, scan=scan), batch)
    start = time.perf_counter()
    step.lower(state, batch).compile()
    return time.perf_counter() - start


def compile_table(depths: list[int], repeats: int) -> dict[tuple[int, bool], float]:
    """(depth, scan) -> best compile seconds over `repeats` alternating passes."""
    for scan in (True, False):  # untimed: the first compilation in a process pays one-off costs
        compile_seconds(dataclasses.replace(benchlib.VitShape(), depth=1), scan)
    best: dict[tuple[int, bool], float] = {}
    for _ in range(repeats):
        for depth in depths:
            for scan in (True, False):
                shape = dataclasses.replace(benchlib.VitShape(), depth=depth)
                seconds = compile_seconds(shape, scan)
                best[depth, scan] = min(best.get((depth, scan), seconds), seconds)
    return best


def step_times(depth: int, rounds: int, per_round: int) -> dict[bool, float]:
    """scan -> median step seconds of the scanned / unrolled model, alternating rounds."""
    shape = dataclasses.replace(benchlib.VitShape(), depth=depth)
    batch = jax.device_put(benchlib.synthetic_batch(shape))
    runs = {}
    for scan in (True, False):
        step, state = benchlib.train_step(benchlib.vit(shape, scan=scan), batch)
        runs[scan] = [step, state]
        for _ in range(3):  # compile and warm up
            runs[scan][1], _ = jax.block_until_ready(step(runs[scan][1], batch))
    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(rounds):
        for scan, run in runs.items():

            def call(run=run):
                run[1], metrics = run[0](run[1], batch)
                return metrics

            times[scan] += benchlib.timed_calls(call, per_round)
    return {scan: statistics.median(seconds) for scan, seconds in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--depths', default=','.join(map(str, DEPTHS)))
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument('--step-depth', type=int, default=6, help='depth of the step-time test')
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--steps-per-round', type=int, default=4)
    parser.add_argument('--out', default='results', help='directory for bench_compile_time.md')
    args = parser.parse_args()
    benchlib.use_seqlab_allocator()
    depths = [int(depth) for depth in args.depths.split(',')]

    load_before = benchlib.load_average()
    compiled = compile_table(depths, args.repeats)
    steps = step_times(args.step_depth, args.rounds, args.steps_per_round)
    first = depths[0]
    rows = [
        [
            depth,
            f'{compiled[depth, True]:.1f}',
            f'{compiled[depth, True] / compiled[first, True]:.2f}',
            f'{compiled[depth, False]:.1f}',
            f'{compiled[depth, False] / compiled[first, False]:.2f}',
        ]
        for depth in depths
    ]
    shape = benchlib.VitShape()
    lines = [
        '# Compile time vs depth, nn.scan vs unrolled (seqlab ViT train step)',
        '',
        f'Command: `{report.command()}`',
        f'Machine: {benchlib.machine()}.',
        f'Model: the benchmark ViT (width {shape.width}, {shape.heads} heads, MLP '
        f'{shape.mlp_dim}, {shape.tokens} tokens, batch {shape.batch}, Adam) at each depth. '
        f'Compile s = trace + lower + XLA compile of the jitted train step, best of '
        f'{args.repeats}.',
        f'Load average (1 min) before / after: {load_before} / {benchlib.load_average()}.',
        '',
        *benchlib.markdown_table(
            [
                'layers',
                'nn.scan: compile s',
                f'x {first} layers',
                'unrolled: compile s',
                f'x {first} layers',
            ],
            rows,
        ),
        '',
        f'Step time at {args.step_depth} layers ({args.rounds} alternating rounds x '
        f'{args.steps_per_round} steps, median): nn.scan {1e3 * steps[True]:.0f} ms, unrolled '
        f'{1e3 * steps[False]:.0f} ms; scanned / unrolled = **{steps[True] / steps[False]:.3f}**.',
    ]
    benchlib.write_report(args.out, 'bench_compile_time', lines)


if __name__ == '__main__':
    main()
