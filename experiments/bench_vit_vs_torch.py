"""Train-step time of seqlab's ViT vs the same model in PyTorch (eager and torch.compile), and MFU.

Each side runs in its own worker process with the same environment (seqlab's allocator settings
from launch.py, the same thread count), builds its model, compiles and warms up, then waits. The
parent asks the workers in turn for `--steps-per-round` timed steps, round after round, so every
side sees the same machine conditions; a side's time is the median of all its timed steps. MFU =
model FLOPs per step (XLA's cost analysis of the unscanned train step) / step time / the peak
FLOP/s of a large float32 matmul measured in the same run. On a GPU the JAX sides run there
unchanged (the PyTorch sides use CUDA when their build has it).

  python experiments/bench_vit_vs_torch.py   # -> results/bench_vit_vs_torch.md
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import benchlib
import jax
import report

SIDES = {
    'seqlab (nn.scan)': ('jax', {'scan': True}),
    'seqlab (unrolled)': ('jax', {'scan': False}),
    'PyTorch eager': ('torch', {'compiled': False}),
    'torch.compile': ('torch', {'compiled': True}),
}
BASELINE = 'PyTorch eager'
WARMUP_STEPS = 3


def jax_step(shape: benchlib.VitShape, scan: bool):
    """A zero-argument closure running one seqlab train step (state kept inside)."""
    batch = jax.device_put(benchlib.synthetic_batch(shape))
    step, state = benchlib.train_step(benchlib.vit(shape, scan=scan), batch)
    holder = [state]

    def run():
        holder[0], metrics = step(holder[0], batch)
        return holder[0], metrics

    return run


def torch_step(shape: benchlib.VitShape, compiled: bool, threads: int):
    import torch
    import torch_vit

    torch.set_num_threads(threads)  # the one CPU-specific setting: match XLA's thread pool
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    step = torch_vit.train_step(
        shape, benchlib.synthetic_batch(shape), compiled=compiled, device=device
    )
    synchronize = torch.cuda.synchronize if device == 'cuda' else lambda: None

    def run():
        loss = step()
        synchronize()
        return loss

    return run


def worker(side: str, threads: int) -> None:
    """Build, warm up, print 'ready'; then for each line N on stdin print N step times (JSON)."""
    kind, options = SIDES[side]
    shape = benchlib.VitShape()
    run = (
        jax_step(shape, **options)
        if kind == 'jax'
        else torch_step(shape, threads=threads, **options)
    )
    for _ in range(WARMUP_STEPS):
        jax.block_until_ready(run())
    print('ready', flush=True)
    for line in sys.stdin:
        print(json.dumps(benchlib.timed_calls(run, int(line))), flush=True)


def start_workers(sides: list[str], threads: int, out: str) -> dict[str, subprocess.Popen]:
    """One ready worker per side (their command lines carry `--out`, like the parent's)."""
    workers = {
        side: subprocess.Popen(
            [sys.executable, __file__, '--worker', side, '--threads', str(threads), '--out', out],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, **benchlib.runtime.share_device(len(sides))},  # workers share a GPU
        )
        for side in sides
    }
    for side, process in workers.items():
        line = process.stdout.readline().strip()
        if line != 'ready':
            raise RuntimeError(f'worker {side!r} failed to start (exit {process.wait()})')
    return workers


def measure(args: argparse.Namespace) -> tuple[dict[str, list], float]:
    """(side -> all timed step seconds, median matmul peak FLOP/s); sides and peak take turns."""
    sides = args.sides.split(',')
    workers = start_workers(sides, args.threads, args.out)
    times: dict[str, list[float]] = {side: [] for side in sides}
    peaks: list[float] = []
    try:
        for _ in range(args.rounds):
            for side, process in workers.items():
                process.stdin.write(f'{args.steps_per_round}\n')
                process.stdin.flush()
                times[side] += json.loads(process.stdout.readline())
            peaks.append(benchlib.matmul_peak(rounds=3))  # the peak takes its turn too
    finally:
        for process in workers.values():
            process.stdin.close()
            process.wait()
    return times, statistics.median(peaks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--steps-per-round', type=int, default=4)
    parser.add_argument('--sides', default=','.join(SIDES), help='comma-separated subset')
    parser.add_argument('--threads', type=int, default=os.cpu_count())
    parser.add_argument('--out', default='results', help='directory for bench_vit_vs_torch.md')
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    args = parser.parse_args()
    benchlib.use_seqlab_allocator()
    if args.worker:
        return worker(args.worker, args.threads)

    shape = benchlib.VitShape()
    load_before = benchlib.load_average()
    start = time.perf_counter()
    times, peak = measure(args)
    batch = benchlib.synthetic_batch(shape)
    flops = benchlib.step_flops(benchlib.vit(shape), batch)
    medians = {side: statistics.median(seconds) for side, seconds in times.items()}
    rows = []
    for side, seconds in medians.items():
        speedup = f'{medians[BASELINE] / seconds:.2f}x' if BASELINE in medians else '-'
        rows.append(
            [
                side,
                f'{1e3 * seconds:.0f}',
                f'{1e3 * min(times[side]):.0f}',
                speedup,
                f'{shape.batch / seconds:.0f}',
                f'{flops / seconds / 1e9:.0f}',
                f'{flops / seconds / peak:.0%}',
            ]
        )
    command = report.command()
    lines = [
        '# ViT train step: seqlab vs PyTorch',
        '',
        f'Command: `{command}`',
        f'Machine: {benchlib.machine()}; {args.threads} threads for every side; allocator: '
        f'{" ".join(f"{k}={v}" for k, v in benchlib.runtime.CPU_ALLOCATOR.items())} (seqlab/runtime.py).',
        f'Model: ViT, {shape.depth} pre-LN layers, width {shape.width}, {shape.heads} heads, MLP '
        f'{shape.mlp_dim}, {shape.tokens} tokens, batch {shape.batch}, Adam; '
        f'{flops / 1e9:.1f} GFLOP per step (XLA cost analysis). Matmul peak (float32 '
        f'{benchlib.matmul_size()}^2, same run, one turn per round, median): '
        f'{peak / 1e9:.0f} GFLOP/s.',
        f'Timing: {args.rounds} alternating rounds x {args.steps_per_round} steps per side '
        f'after {WARMUP_STEPS} warm-up steps; median (and min) ms per step; '
        f'{time.perf_counter() - start:.0f} s in all.',
        f'Load average (1 min) before / after: {load_before} / {benchlib.load_average()}.',
        '',
        *benchlib.markdown_table(
            [
                'side',
                'ms / step',
                'min ms',
                f'speed vs {BASELINE}',
                'images / s',
                'GFLOP/s',
                'MFU',
            ],
            rows,
        ),
    ]
    benchlib.write_report(args.out, 'bench_vit_vs_torch', lines)


if __name__ == '__main__':
    main()
