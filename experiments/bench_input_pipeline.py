"""Input pipeline: train steps/s fed by the real grain pipeline vs by a batch already on device.

Both sides run the train step of `configs/vit.py` (model, data, optimizer and sharding as
`Run.train` builds them) and, like the loop, read the loss back after every step. The pipeline
side takes each batch from the grain iterator (`next(iterator)`, then `sharding.global_batch`);
the device side reuses one batch placed on the device beforehand. The sides alternate in blocks
of `--steps-per-round` steps (longer than grain's read-ahead buffer), and each side's rate is the
median over its blocks. The pipeline alone (batches/s with no training) is shown for scale.

  python experiments/bench_input_pipeline.py  # -> results/bench_input_pipeline.md
"""

import argparse
import statistics
import time
from collections.abc import Callable

import benchlib
import jax
import report

from seqlab import launcher
from seqlab.data import pipeline
from seqlab.train import loop, sharding

CONFIG = 'configs/vit.py'
READ_AHEAD = pipeline.READ_OPTIONS.prefetch_buffer_size


def jitted_step(run: loop.Run) -> Callable:
    """The train step exactly as `Run.train` jits it."""
    return jax.jit(
        loop.make_train_step(run.plan, run.config.optim.accum_steps),
        donate_argnums=0,
        in_shardings=(run.state_sharding, sharding.batch_sharding(run.mesh)),
        out_shardings=(run.state_sharding, sharding.replicated(run.mesh)),
    )


def steps_per_second(steps: int, next_batch: Callable, step: Callable, holder: list) -> float:
    """`steps` loop iterations: next_batch(), train step, read the loss (as the loop does)."""
    start = time.perf_counter()
    for _ in range(steps):
        holder[0], metrics = step(holder[0], next_batch())
        float(metrics['loss'][0])
    return steps / (time.perf_counter() - start)


def pipeline_only(iterator, batches: int) -> float:
    """Batches/s of the iterator alone, after draining what it has read ahead."""
    for _ in range(2 * READ_AHEAD):
        next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=CONFIG)
    parser.add_argument('--rounds', type=int, default=4)
    parser.add_argument('--steps-per-round', type=int, default=24)
    parser.add_argument('--out', default='results', help='directory for bench_input_pipeline.md')
    args = parser.parse_args()
    benchlib.use_seqlab_allocator()

    load_before = benchlib.load_average()
    config = launcher.load_config(args.config, {})
    run = loop.Run(config, '/tmp/seqlab_bench_input_pipeline')
    step = jitted_step(run)
    iterator = iter(run.plan.splits.train)
    on_device = sharding.global_batch(next(iterator), run.mesh)
    holder = [run.initial_state()]
    sides = {
        'grain pipeline': lambda: sharding.global_batch(next(iterator), run.mesh),
        'batch on device': lambda: on_device,
    }
    for next_batch in sides.values():  # compile and warm up
        steps_per_second(3, next_batch, step, holder)
    rates: dict[str, list[float]] = {side: [] for side in sides}
    for _ in range(args.rounds):
        for side, next_batch in sides.items():
            rates[side].append(steps_per_second(args.steps_per_round, next_batch, step, holder))
    pipeline_rate = pipeline_only(iterator, 200)
    fed, device = (statistics.median(rates[side]) for side in sides)
    batch_size = config.data.batch_size
    kwargs = config.model.kwargs
    lines = [
        '# Input pipeline: grain-fed train steps vs a batch already on device',
        '',
        f'Command: `{report.command()}`',
        f'Machine: {benchlib.machine()}.',
        f'Config: {args.config} (model {config.model.name}, width {kwargs.width}, depth '
        f'{kwargs.depth}, patch {kwargs.patch}; data {config.data.name}, batch {batch_size}, '
        f'augment {config.data.augment!r}). {args.rounds} alternating rounds x '
        f'{args.steps_per_round} steps per side; median steps/s.',
        f'Load average (1 min) before / after: {load_before} / {benchlib.load_average()}.',
        '',
        *benchlib.markdown_table(
            ['fed by', 'steps / s', 'images / s', 'ratio to on-device'],
            [
                [
                    'grain pipeline',
                    f'{fed:.2f}',
                    f'{fed * batch_size:.0f}',
                    f'**{fed / device:.3f}**',
                ],
                ['batch on device', f'{device:.2f}', f'{device * batch_size:.0f}', '1.000'],
                [
                    '(pipeline alone, no training)',
                    f'{pipeline_rate:.1f}',
                    f'{pipeline_rate * batch_size:.0f}',
                    '-',
                ],
            ],
        ),
    ]
    benchlib.write_report(args.out, 'bench_input_pipeline', lines)


if __name__ == '__main__':
    main()
