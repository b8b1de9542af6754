"""CPU cost of one training step of a config, to size `config.steps` to a wall-clock budget.

For each config (a `--config` spec, then `key=value` overrides, space-separated), the seqlab train
step (the loop's jitted step, donated state, real batches from the config's training split) is
compiled, run twice untimed, then `--steps` times. CPU seconds are this process's user + system
time (os.times) over the timed steps: on a shared machine they are a steadier measure than wall
time. With T cores busy for the whole step, an idle machine's wall time per step is about
CPU seconds / T (an estimate: it assumes every thread stays busy); the table turns it into the
steps that fit a budget, and into epochs and (for language models) tokens per second.

  python experiments/step_cost.py 'configs/gpt.py' 'configs/gpt.py model.kwargs.scan=False' \\
      --steps 10 --minutes 28 --out results/step_cost.md
"""

import argparse
import os
import tempfile
import time

import benchlib
import jax
import numpy as np
import report

from seqlab import launcher
from seqlab.train import loop, sharding
from seqlab.train import state as state_lib


def parse_candidate(text: str) -> tuple[str, dict[str, str]]:
    """'configs/gpt.py:tokenizer=bpe optim.lr=2e-3' -> (spec, {'optim.lr': '2e-3'})."""
    spec, *overrides = text.split()
    return spec, dict(item.split('=', 1) for item in overrides)


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def measure(text: str, steps: int) -> dict:
    """Compile time, CPU and wall seconds per step, parameters and batch tokens of one config."""
    config = launcher.load_config(*parse_candidate(text))
    with tempfile.TemporaryDirectory() as workdir:
        run = loop.Run(config, workdir)
        state = run.initial_state()
        train_step = jax.jit(
            loop.make_train_step(run.plan, config.optim.accum_steps), donate_argnums=0
        )
        batches = iter(run.plan.splits.train)
        batch = sharding.global_batch(next(batches), run.mesh)
        start = time.perf_counter()
        compiled = train_step.lower(state, batch).compile()
        compile_seconds = time.perf_counter() - start
        for _ in range(2):
            state, metrics = compiled(state, batch)
        jax.block_until_ready(metrics)
        host_batches = [next(batches) for _ in range(steps)]
        cpu, wall = cpu_seconds(), time.perf_counter()
        for host_batch in host_batches:
            state, metrics = compiled(state, sharding.global_batch(host_batch, run.mesh))
        jax.block_until_ready(metrics)
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    tokens = host_batches[0].get('token_mask')
    return {
        'config': text,
        'parameters': state_lib.num_params(state.params),
        'steps_per_epoch': run.plan.steps_per_epoch,
        'tokens_per_step': int(np.sum(tokens[:, 1:])) if tokens is not None else 0,
        'compile_seconds': compile_seconds,
        'cpu_per_step': cpu / steps,
        'wall_per_step': wall / steps,
    }


def header(cores: int, minutes: float, command: str) -> str:
    return '\n'.join([
        f'# Training step cost (CPU seconds; idle wall ≈ CPU / {cores} cores)',
        '',
        f'Command: `{command}`. Load average at the start: {os.getloadavg()[0]:.1f}.',
        '',
        f'| config | parameters | compile s | CPU s / step | wall s / step (shared) | '
        f'idle wall s / step (est.) | steps in {minutes:g} min (est.) | epochs | tokens / s |',
        '|---|---|---|---|---|---|---|---|---|',
    ])  # fmt: skip


def line(r: dict, cores: int, minutes: float) -> str:
    """One table row: the measured costs and what fits `minutes` on `cores` idle cores."""
    idle = r['cpu_per_step'] / cores
    fit = int(60 * minutes / idle)
    tokens = f'{r["tokens_per_step"] / idle:,.0f}' if r['tokens_per_step'] else '—'
    return (
        f'| `{r["config"]}` | {r["parameters"]:,} | {r["compile_seconds"]:.1f} | '
        f'{r["cpu_per_step"]:.3f} | {r["wall_per_step"]:.3f} | {idle:.3f} | {fit:,} | '
        f'{fit / r["steps_per_epoch"]:.1f} | {tokens} |'
    )


def main() -> None:
    benchlib.use_seqlab_allocator()  # as launch.py runs
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+', help="'spec key=value ...' per config")
    parser.add_argument('--steps', type=int, default=10, help='timed steps per config')
    parser.add_argument('--cores', type=int, default=os.cpu_count())
    parser.add_argument('--minutes', type=float, default=28.0, help='the wall-clock budget')
    parser.add_argument('--out', default='results/step_cost.md')
    args = parser.parse_args()
    lines = [header(args.cores, args.minutes, report.command())]
    print(lines[0], flush=True)
    for text in args.configs:  # each row as soon as it is measured
        lines.append(line(measure(text, args.steps), args.cores, args.minutes))
        print(lines[-1], flush=True)
    with open(args.out, 'w') as handle:  # rows were printed as measured
        handle.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
