"""When to log, evaluate and checkpoint: one tested place for steps / epochs / percent.

A cadence spec is a string: `'500'` (steps), `'2ep'` (epochs), `'10%'` (of the total steps) or `'0'`
(not periodically). Steps count completed optimizer updates, from 1 to `total_steps`. The train loop
asks `itstime(..., last=True)`, so it logs, evaluates and checkpoints at the last step whatever the
cadence: '0', or a cadence longer than the run, means "only at the end" (a decision, not an
accident: a final evaluation and a final checkpoint are what every finished run needs; preflight
notes such a cadence as a warning when the run starts).
"""

import math

from seqlab.config import ConfigError


def to_steps(
    spec: str | int, *, steps_per_epoch: int, total_steps: int | None = None, where: str = 'cadence'
) -> int:
    """Resolve a cadence spec to a whole number of steps (0: not periodically)."""
    text = str(spec).strip()
    if text.endswith('%') and total_steps is None:
        raise ConfigError(f'{where}={text!r}: a percentage needs a total step count')
    try:
        if text.endswith('ep'):
            return max(1, math.ceil(float(text[:-2]) * steps_per_epoch)) if float(text[:-2]) else 0
        if text.endswith('%'):
            fraction = float(text[:-1]) / 100
            return max(1, math.ceil(fraction * total_steps)) if fraction else 0
        steps = int(text)
    except ValueError:
        raise ConfigError(
            f"{where}={text!r} is not a cadence; allowed: steps ('500'), epochs ('2ep'), "
            "percent of the run ('10%'), or '0' for never"
        ) from None
    if steps < 0:
        raise ConfigError(f'{where}={text!r} must not be negative')
    return steps


def itstime(step: int, every: int, total_steps: int, *, last: bool = True) -> bool:
    """True after step `step` if it is a multiple of `every`, or the final step when `last`."""
    if last and step == total_steps:
        return True
    return every > 0 and step % every == 0
