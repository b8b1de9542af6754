"""What seqlab's accelerator support does on this device, measured in one run of a few minutes.

Sections (`--sections`, default all; each reports its own failure in its table and the others
still run; the results file is rewritten after each section, so a run cut short keeps what it
measured):

  attention      each attention backend (naive, xla, cudnn, pallas, chunked) in bfloat16:
                 forward+backward time, xla's time over cudnn's and pallas's (goal: >= 3x at
                 T = 4096), and the max abs difference of the output and q/k/v gradients from
                 naive in float32 (device_attention.py)
  steps          train steps/s, tokens or images/s and MFU of the benchmark ViT and a GPT at
                 2,048 tokens, float32 and bfloat16 (goal: 40% of the bf16 peak for the GPT)
                 (device_steps.py, nominal peaks in devicelib.py)
  deterministic  the GPT bfloat16 step timed in two fresh processes, with and without
                 --xla_gpu_deterministic_ops=true in XLA_FLAGS
  loop           the real train loop's time per step against the same compiled step alone:
                 the loop's overhead, i.e. how long the device waits for the host
                 (device_loop.py)
  smoke          every config's smoke variant trained a few steps with
                 --config.model.kwargs.dtype=bfloat16: pass, or the one-line error

  python experiments/device_check.py            # on a GPU: -> results/device_check.md
  python experiments/device_check.py --quick    # CPU-sized shapes: checks that it all runs

Sections other than `deterministic` run in this process with XLA_FLAGS as given (seqlab's
launch.py would add the deterministic-ops flag on a GPU; these timings are without it unless you
set it). Most of the run is compiling: compiled programs go to JAX's persistent cache
(JAX_COMPILATION_CACHE_DIR, default <temp dir>/seqlab_device_check_cache), so a second run on
the same machine, or one with fewer `--sections` after a run cut short, compiles less.
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

import benchlib
import device_attention
import device_loop
import device_steps
import devicelib
import jax
import report

from seqlab import runtime

SECTIONS = ('attention', 'steps', 'deterministic', 'loop', 'smoke')
GPT_GOAL_MFU = 0.40
# Sizes for a GPU (full) and for a CPU in a couple of minutes (--quick).
FULL = dict(
    attention_batches='4', attention_lengths='1024,4096', attention_heads=8,
    attention_head_dim=64, rounds=10, gpt_batch=8, gpt_length=2048, gpt_depth=12,
    gpt_width=768, gpt_heads=12, gpt_vocab=50304, vit_batch=1024, steps=10, matmul_size=0,
    loop_batch=256, loop_steps=200, smoke_steps=4, configs='',
)  # fmt: skip
QUICK = dict(
    attention_batches='2', attention_lengths='64,256', attention_heads=2,
    attention_head_dim=64, rounds=3, gpt_batch=2, gpt_length=128, gpt_depth=2, gpt_width=64,
    gpt_heads=2, gpt_vocab=512, vit_batch=8, steps=3, matmul_size=512, loop_batch=32,
    loop_steps=20, smoke_steps=4, configs='vit,gpt',
)  # fmt: skip
QUICK_VIT = dict(depth=2, width=32, heads=2, mlp_dim=64, image=16, patch=4)
# The loop section's model: the benchmark ViT (64 tokens: 8x8 digits in 1x1 patches), full only.
LOOP_MODEL = {
    'model.kwargs.stem': 'patch', 'model.kwargs.patch': '1', 'model.kwargs.pool': 'mean',
    'model.kwargs.width': '192', 'model.kwargs.depth': '6', 'model.kwargs.heads': '3',
    'model.kwargs.mlp_dim': '768',
}  # fmt: skip
LOOP_SPEC = 'configs/vit.py:smoke'  # relative to ROOT
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true', help='CPU-sized shapes and counts')
    parser.add_argument('--sections', default=','.join(SECTIONS), help=', '.join(SECTIONS))
    parser.add_argument('--out', default='results/device_check.md')
    for name, value in FULL.items():
        parser.add_argument(f'--{name}', type=type(value), default=None, help=f'full: {value}')
    parser.add_argument('--time_gpt_step', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    unknown = set(args.sections.split(',')) - set(SECTIONS)
    if unknown:
        parser.error(f'--sections: unknown {", ".join(sorted(unknown))}; allowed: {SECTIONS}')
    return args


def use_compilation_cache() -> None:
    """Compiled programs to JAX_COMPILATION_CACHE_DIR (set here if unset, for the child
    processes too); timings are of compiled programs, so the cache changes none of them."""
    cache = os.environ.setdefault(
        'JAX_COMPILATION_CACHE_DIR',
        os.path.join(tempfile.gettempdir(), 'seqlab_device_check_cache'),
    )
    jax.config.update('jax_compilation_cache_dir', cache)


def progress(message: str) -> None:
    print(f'[{time.perf_counter() - START:5.0f} s] {message}', flush=True)


def ints(text: str) -> list[int]:
    return [int(part) for part in text.split(',') if part]


def gpt_shape(args: argparse.Namespace) -> device_steps.GptShape:
    return device_steps.GptShape(
        args.gpt_batch, args.gpt_length, args.gpt_depth, args.gpt_width, args.gpt_heads,
        args.gpt_vocab,
    )  # fmt: skip


def vit_shape(args: argparse.Namespace) -> benchlib.VitShape:
    return benchlib.VitShape(batch=args.vit_batch, **(QUICK_VIT if args.quick else {}))


# --- sections: each returns its markdown lines ------------------------------------------------
def attention_section(args: argparse.Namespace) -> list[str]:
    rows = []
    for length in ints(args.attention_lengths):
        for causal in (False, True):
            for batch in ints(args.attention_batches):
                case = device_attention.Case(
                    batch, length, args.attention_heads, args.attention_head_dim, causal
                )
                rows += device_attention.measure_case(case, args.rounds, progress)
    return [
        f'Backends in bfloat16, {args.attention_heads} heads of {args.attention_head_dim}, no '
        f'mask (or causal); median of {args.rounds} forward+backward calls after warm-up. Max '
        'abs differences from naive in float32 on the same inputs; within tolerance: each at '
        f"most {device_attention.BF16_TOLERANCE:g} x the reference tensor's max abs value.",
        '',
        *device_attention.table(rows),
        '',
        *device_attention.summary(rows),
    ]


def steps_section(args: argparse.Namespace) -> list[str]:
    kind = jax.devices()[0].device_kind
    size = args.matmul_size or None  # None: benchlib's size for this platform
    measured = {
        dtype: benchlib.matmul_peak(rounds=5, dtype=dtype, size=size)
        for dtype in ('float32', 'bfloat16')
    }
    nominal = {dtype: devicelib.nominal_peak(kind, dtype) for dtype in measured}
    results, errors = [], []
    for name, measure, shape in (
        ('ViT', device_steps.measure_vit, vit_shape(args)),
        ('GPT', device_steps.measure_gpt, gpt_shape(args)),
    ):
        for dtype in ('float32', 'bfloat16'):
            progress(f'steps {name} {dtype} {shape}')
            try:
                results.append(measure(shape, dtype, args.steps))
            except Exception as error:  # noqa: BLE001 - reported; the other rows still run
                errors.append(f'- {name} {dtype}: {devicelib.one_line(error)}')
    rows = [step_row(result, nominal, measured) for result in results]
    gpt_bf16 = next((r for r in results if r.model == 'GPT' and r.dtype == 'bfloat16'), None)
    peak_words = (
        f'{nominal["bfloat16"][0]} nominal dense peaks: bf16 '
        f'{nominal["bfloat16"][1] / 1e12:.0f}, TF32 (float32) {nominal["float32"][1] / 1e12:.0f} '
        'TFLOP/s'
        if nominal['bfloat16']
        else f'device {kind!r} has no nominal peak here (devicelib.NOMINAL_PEAKS): MFU is against '
        'the measured matmul peaks only'
    )
    return [
        f'ViT: {vit_shape(args)}. GPT: {gpt_shape(args)}. Unscanned layers, Adam; '
        f'{device_steps.REPEATS} x {args.steps} steps after warm-up, median of the means. '
        f'{peak_words}. Measured matmul peaks ({size or benchlib.matmul_size()}^2, default '
        f'precision): float32 {measured["float32"] / 1e12:.3g}, bfloat16 '
        f'{measured["bfloat16"] / 1e12:.3g} TFLOP/s.',
        '',
        *benchlib.markdown_table(
            ['model', 'dtype', 'attention', 'ms / step', 'steps/s', 'items/s', 'GFLOP / step']
            + ['MFU (nominal peak)', 'MFU (measured matmul peak)'],
            rows,
        ),
        '',
        *errors,
        gpt_goal(gpt_bf16, nominal['bfloat16'], measured['bfloat16']),
    ]


def step_row(result: device_steps.StepResult, nominal: dict, measured: dict) -> list[str]:
    peak = nominal[result.dtype]
    return [
        result.model,
        result.dtype,
        result.attention,
        f'{result.seconds * 1e3:.2f}',
        f'{1 / result.seconds:.2f}',
        f'{result.items / result.seconds:,.0f} {result.item_name}',
        f'{result.flops / 1e9:,.2f}',
        devicelib.cell(peak and devicelib.mfu(result.flops, result.seconds, peak[1]), '.1%'),
        f'{devicelib.mfu(result.flops, result.seconds, measured[result.dtype]):.1%}',
    ]


def gpt_goal(result: device_steps.StepResult | None, nominal: tuple | None, measured: float) -> str:
    """The goal line: the GPT's bf16 MFU against GPT_GOAL_MFU of the bf16 peak."""
    goal = f'Goal: GPT bfloat16 MFU ≥ {GPT_GOAL_MFU:.0%} of the bf16 peak'
    if result is None:
        return f'{goal}: not measured.'
    peak, against = (nominal[1], 'nominal') if nominal else (measured, 'measured matmul')
    value = devicelib.mfu(result.flops, result.seconds, peak)
    return f'{goal} ({against}): {value:.1%}, {devicelib.judged(value, GPT_GOAL_MFU)}.'


def deterministic_section(args: argparse.Namespace) -> list[str]:
    flags = ' '.join(
        flag
        for flag in os.environ.get('XLA_FLAGS', '').split()
        if 'xla_gpu_deterministic_ops' not in flag
    )
    settings = {'without': flags, 'with': f'{flags} {runtime.DETERMINISTIC_FLAG}'.strip()}
    seconds = {}
    for name, value in settings.items():
        progress(f'deterministic: GPT bfloat16 step {name} the flag, in a fresh process')
        seconds[name] = child_gpt_step(args, {**os.environ, 'XLA_FLAGS': value})
    shape = gpt_shape(args)
    rows = [
        [shown_flags(settings[name]), f'{s * 1e3:.2f}', f'{shape.tokens / s:,.0f}']
        for name, s in seconds.items()
    ]
    ratio = seconds['with'] / seconds['without']
    note = (
        ' (CPU: the flag acts on GPUs only; both processes run the same program)'
        if jax.default_backend() == 'cpu'
        else ''
    )
    return [
        f'GPT bfloat16 step ({shape}), each in its own process; XLA_FLAGS as shown.',
        '',
        *benchlib.markdown_table(['XLA_FLAGS', 'ms / step', 'tokens/s'], rows),
        '',
        f'With / without deterministic ops: {ratio:.2f}x the step time{note}.',
    ]


def child_gpt_step(args: argparse.Namespace, env: dict[str, str]) -> float:
    """Seconds per GPT bfloat16 step, measured by this script in a fresh process with `env`."""
    options = [f'--{name}={getattr(args, name)}' for name in FULL if name.startswith('gpt_')]
    command = [sys.executable, os.path.abspath(__file__), '--time_gpt_step', *options]
    command += [f'--steps={args.steps}'] + (['--quick'] if args.quick else [])
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode:
        lines = done.stderr.strip().splitlines()
        raise RuntimeError(f'the timing process failed: {lines[-1] if lines else done.returncode}')
    return json.loads(done.stdout.strip().splitlines()[-1])['seconds']


def loop_section(args: argparse.Namespace) -> list[str]:
    overrides = {**({} if args.quick else LOOP_MODEL), 'data.batch_size': str(args.loop_batch)}
    log_every = max(args.loop_steps // 10, 1)
    progress(f'loop: {LOOP_SPEC} {overrides}, {10 * log_every + 1} steps')
    spec = os.path.join(ROOT, LOOP_SPEC)
    result = device_loop.loop_overhead(spec, overrides, log_every, 10, args.loop_steps)
    shown = ' '.join(f'--config.{key}={value}' for key, value in overrides.items())
    return [
        f'`--config={LOOP_SPEC} {shown}`: {10 * log_every + 1} steps, logging every {log_every}, '
        'eval and checkpoint at the end only; the loop timed from the first log step to the '
        'last (device_loop.py).',
        '',
        *benchlib.markdown_table(
            ['what', 'ms / step'],
            [
                [
                    'the real loop (prefetch, metric window, data reads, logging)',
                    f'{result.loop_seconds * 1e3:.3f}',
                ],
                [
                    f'the same compiled step alone, {args.loop_steps} back to back on one batch',
                    f'{result.device_seconds * 1e3:.3f}',
                ],
            ],  # fmt: skip
        ),
        '',
        f'Loop overhead: {result.overhead:+.1%} over the step alone; the device is busy '
        f"{result.device_busy:.0%} of the loop's time (idle {1 - result.device_busy:.0%}).",
    ]


def smoke_section(args: argparse.Namespace) -> list[str]:
    every = sorted(glob.glob(os.path.join(ROOT, 'configs', '*.py')))
    wanted = set(args.configs.split(',')) if args.configs else None
    paths = [p for p in every if wanted is None or os.path.basename(p)[:-3] in wanted]
    steps = str(args.smoke_steps)
    overrides = {'model.kwargs.dtype': 'bfloat16', 'steps': steps, 'optim.warmup': '1'}
    overrides |= {'eval_every': steps, 'checkpoint.every': steps}  # both at the end
    rows = []
    for path in paths:
        progress(f'smoke {report.shown(path)}')
        result = device_loop.train_smoke(path, overrides)
        names = sorted(result.metrics, key=lambda name: name != 'eval/loss')  # the loss first
        metric = (names[0], result.metrics[names[0]]) if names else None
        rows.append(
            [
                f'`{report.shown(path)}:smoke`',
                'pass' if result.passed else 'FAIL',
                f'{metric[0]} {metric[1]:.4g}' if metric else '-',
                f'{result.seconds:.0f}',
                result.error,
            ]
        )
    skipped = len(every) - len(paths)
    return [
        f'`{" ".join(f"--config.{key}={value}" for key, value in overrides.items())}`, trained '
        'in this process into a temporary workdir'
        + (f'; {skipped} of {len(every)} configs not run (--configs)' if skipped else '')
        + '.',
        '',
        *benchlib.markdown_table(['config', 'result', 'final metric', 's', 'error'], rows),
    ]


TITLES = {
    'attention': ('Attention backends at long sequences', attention_section),
    'steps': ('Train-step throughput and MFU', steps_section),
    'deterministic': ('Cost of deterministic ops', deterministic_section),
    'loop': ('Device idle between steps of the real loop', loop_section),
    'smoke': ('Every smoke config in bfloat16', smoke_section),
}


def shown_flags(flags: str) -> str:
    return f'`{flags}`' if flags else '(none)'


def header(args: argparse.Namespace, argv: list[str] | None) -> list[str]:
    mode = (
        'Quick mode (`--quick`): shapes and counts shrunk so that the script runs on a CPU in a '
        'few minutes. It checks that every section runs; its numbers say nothing about an '
        'accelerator.'
        if args.quick
        else 'Full mode: the shapes the goals name.'
    )
    return [
        '# Device check',
        '',
        f'Command: `{report.command(argv and ["experiments/device_check.py", *argv])}`',
        f'Machine: {benchlib.machine()}; default backend `{jax.default_backend()}`.',
        f'XLA_FLAGS: {shown_flags(os.environ.get("XLA_FLAGS", ""))}. {mode}',
    ]


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.time_gpt_step:  # the deterministic section's child process
        shape, dtype = gpt_shape(args), 'bfloat16'
        print(json.dumps({'seconds': device_steps.measure_gpt(shape, dtype, args.steps).seconds}))
        return
    lines = header(args, argv)
    for name in args.sections.split(','):
        title, section = TITLES[name]
        progress(f'section {name}')
        started = time.perf_counter()
        try:
            body = section(args)
        except Exception as error:  # noqa: BLE001 - reported; the next sections still run
            body = [f'Section failed: {devicelib.one_line(error)}']
        body += ['', f'({time.perf_counter() - started:.0f} s)']
        section_lines = ['', f'## {title}', '', *body]
        print('\n'.join(section_lines), flush=True)
        lines += section_lines
        report.write('\n'.join(lines) + '\n', args.out)
    lines += ['', f'{time.perf_counter() - START:.0f} s in all.']
    report.write('\n'.join(lines) + '\n', args.out)
    progress(f'wrote {report.shown(args.out)}')


START = time.perf_counter()

if __name__ == '__main__':
    benchlib.use_seqlab_allocator()
    use_compilation_cache()
    main()
