"""Shared by device_check.py's sections: nominal device peaks, MFU, goal judgements, errors.

Nominal peaks are the vendors' dense (no sparsity) tensor-core figures, in FLOP/s: bfloat16, and
TF32 for float32 (what float32 matmuls use on these GPUs at `matmul_precision=default`).
"""

from typing import Any

# (words every matching device_kind contains, name, bfloat16 peak, TF32 peak); first match wins.
NOMINAL_PEAKS = (
    (('h100', 'pcie'), 'H100 PCIe', 756e12, 378e12),
    (('h100',), 'H100 SXM', 989e12, 495e12),
    (('h200',), 'H200', 989e12, 495e12),
    (('a100',), 'A100', 312e12, 156e12),
)
# Variants with other clocks or power limits share the words above but not the peaks.
NOT_NOMINAL = ('nvl',)


def nominal_peak(device_kind: str, dtype: str) -> tuple[str, float] | None:
    """(device name, dense peak FLOP/s for `dtype` 'bfloat16' or 'float32'), or None when the
    device is not in NOMINAL_PEAKS."""
    kind = device_kind.lower()
    if any(word in kind for word in NOT_NOMINAL):
        return None
    for words, name, bf16, tf32 in NOMINAL_PEAKS:
        if all(word in kind for word in words):
            return name, bf16 if dtype == 'bfloat16' else tf32
    return None


def mfu(flops: float, seconds: float, peak: float) -> float:
    """Model FLOPs utilisation: `flops` done in `seconds` as a fraction of `peak` FLOP/s."""
    return flops / seconds / peak


def judged(value: float | None, goal: float) -> str:
    """'reached' when `value` >= `goal`, 'NOT reached' when below, 'not measured' without one."""
    if value is None:
        return 'not measured'
    return 'reached' if value >= goal else 'NOT reached'


def one_line(error: BaseException) -> str:
    """`Type: first line of the message`, at most 300 characters."""
    lines = str(error).strip().splitlines()
    return f'{type(error).__name__}: {lines[0] if lines else ""}'[:300]


def cell(value: Any, spec: str, scale: float = 1.0) -> str:
    """`value * scale` formatted with `spec`, or '-' for None."""
    return '-' if value is None else format(value * scale, spec)
