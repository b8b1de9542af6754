"""device_check.py's attention section: each backend's forward+backward time and its error.

For every (length T, causal or not, batch B), queries, keys, values and the output cotangent are
random normal [B, T, H, D] in bfloat16. Each backend computes the output and the q/k/v gradients
in bfloat16 (one jitted forward + backward); its time is the median of timed calls after warm-up,
each blocked until ready. Its error is the max abs difference of the output and of each gradient
from `naive` run in float32 on the same (bfloat16-rounded) inputs. A backend the platform lacks
gets a row with the reason `attention_backend` gives.
"""

import dataclasses
from collections.abc import Callable

import benchlib
import devicelib
import jax
import jax.numpy as jnp

from seqlab.layers import attention_backend
from seqlab.layers.attention import dot_product_attention
from seqlab.layers.chunked_attention import chunked_dot_product_attention

BACKENDS = ('naive', 'xla', 'cudnn', 'pallas', 'chunked')
FAST = ('cudnn', 'pallas')  # judged against xla
GOAL_LENGTH, GOAL_SPEEDUP = 4096, 3.0
# A bfloat16 result is within tolerance when each max abs difference is at most this fraction of
# the float32 reference's max abs value (bfloat16 keeps 8 significant bits: 2^-8 = 0.4%).
BF16_TOLERANCE = 2**-5
TENSORS = ('out', 'dq', 'dk', 'dv')


@dataclasses.dataclass(frozen=True)
class Case:
    """One attention problem: [batch, length, heads, head_dim], causal or not."""

    batch: int
    length: int
    heads: int
    head_dim: int
    causal: bool


@dataclasses.dataclass
class Row:
    """One backend on one case: seconds of forward+backward (None if it did not run), the max abs
    differences from the float32 reference (name -> value), and why it did not run."""

    backend: str
    case: Case
    seconds: float | None = None
    errors: dict[str, float] = dataclasses.field(default_factory=dict)
    reference_scale: dict[str, float] = dataclasses.field(default_factory=dict)
    why_not: str = ''

    @property
    def within_tolerance(self) -> bool:
        return bool(self.errors) and all(
            self.errors[name] <= BF16_TOLERANCE * self.reference_scale[name] for name in TENSORS
        )


def refusal(backend: str, head_dim: int) -> str:
    """Why `backend` cannot run bfloat16 attention with this head dim here ('' if it can)."""
    try:
        attention_backend.check(backend, where='attention')
    except ValueError as error:
        return str(error)
    if backend == 'cudnn':
        return attention_backend.cudnn_refusal(jnp.bfloat16, head_dim, attention_backend.platform())
    return ''


def attend(backend: str, causal: bool) -> Callable:
    """(q, k, v) -> attention output with `backend`, no mask or bias."""
    if backend == 'naive':
        return lambda q, k, v: dot_product_attention(q, k, v, causal=causal)
    if backend == 'chunked':
        return lambda q, k, v: chunked_dot_product_attention(q, k, v, causal=causal)
    return lambda q, k, v: attention_backend.fused(backend, q, k, v, causal=causal)


def forward_backward(backend: str, causal: bool) -> Callable:
    """Jitted (q, k, v, g) -> (out, dq, dk, dv), g the output's cotangent."""

    def run(q, k, v, g):
        out, vjp = jax.vjp(attend(backend, causal), q, k, v)
        return (out, *vjp(g))

    return jax.jit(run)


def inputs(case: Case) -> tuple[jax.Array, ...]:
    shape = (case.batch, case.length, case.heads, case.head_dim)
    keys = jax.random.split(jax.random.key(0), 4)
    return tuple(jax.random.normal(key, shape, jnp.bfloat16) for key in keys)


def measure_case(case: Case, rounds: int, progress: Callable[[str], None]) -> list[Row]:
    """Every backend's row for `case`; a backend that fails gets its error as `why_not`."""
    q, k, v, g = inputs(case)
    as_f32 = [x.astype(jnp.float32) for x in (q, k, v, g)]
    reference = dict(zip(TENSORS, forward_backward('naive', case.causal)(*as_f32), strict=True))
    scale = {name: float(jnp.max(jnp.abs(value))) for name, value in reference.items()}
    rows = []
    for backend in BACKENDS:
        row = Row(backend, case, reference_scale=scale)
        rows.append(row)
        if why := refusal(backend, case.head_dim):
            row.why_not = why
            continue
        progress(f'attention {backend} {case}')
        try:
            compiled = forward_backward(backend, case.causal).lower(q, k, v, g).compile()
            results = compiled(q, k, v, g)
            row.errors = {
                name: float(jnp.max(jnp.abs(value.astype(jnp.float32) - reference[name])))
                for name, value in zip(TENSORS, results, strict=True)
            }
            row.seconds = benchlib.median_seconds(lambda c=compiled: c(q, k, v, g), rounds)
        except Exception as error:  # noqa: BLE001 - reported in the row; the others still run
            row.why_not = devicelib.one_line(error)
    return rows


def speedup(rows: list[Row], row: Row) -> float | None:
    """xla's time / `row`'s time on the same case (None if either did not run)."""
    xla = next(r for r in rows if r.backend == 'xla' and r.case == row.case)
    if xla.seconds is None or row.seconds is None:
        return None
    return xla.seconds / row.seconds


def table(rows: list[Row]) -> list[str]:
    header = ['backend', 'T', 'causal', 'B', 'fwd+bwd ms', 'xla / this']
    header += [f'≥ {GOAL_SPEEDUP:g}× at T = {GOAL_LENGTH}']
    header += [f'max abs diff {name}' for name in TENSORS] + ['within bf16 tolerance', 'note']
    lines = []
    for row in rows:
        ratio = speedup(rows, row)
        goal = '-'
        if row.backend in FAST and row.case.length == GOAL_LENGTH:
            goal = devicelib.judged(ratio, GOAL_SPEEDUP)
        cells = [row.backend, row.case.length, 'yes' if row.case.causal else 'no', row.case.batch]
        cells += [f'{row.seconds * 1e3:.2f}' if row.seconds is not None else '-']
        cells += [f'{ratio:.2f}' if ratio is not None else '-', goal]
        cells += [f'{row.errors[name]:.2e}' if row.errors else '-' for name in TENSORS]
        cells += [('yes' if row.within_tolerance else 'NO') if row.errors else '-', row.why_not]
        lines.append(cells)
    return benchlib.markdown_table(header, lines)


def summary(rows: list[Row]) -> list[str]:
    """Per fast backend: the goal judged on its slowest T = GOAL_LENGTH case."""
    lines = []
    for backend in FAST:
        ratios = [
            speedup(rows, row)
            for row in rows
            if row.backend == backend and row.case.length == GOAL_LENGTH
        ]
        if not ratios:
            lines.append(f'- xla / {backend} at T = {GOAL_LENGTH}: no such case in this run.')
            continue
        worst = None if None in ratios else min(ratios)
        shown = f'{worst:.2f}×' if worst is not None else 'not measured'
        lines.append(
            f'- xla / {backend} at T = {GOAL_LENGTH}, slowest case: {shown}; goal ≥ '
            f'{GOAL_SPEEDUP:g}×: {devicelib.judged(worst, GOAL_SPEEDUP)}.'
        )
    return lines
