"""Runs repeated over seeds: their names, their mean ± spread, and whether two groups of seeds
differ by more than their spread.

Seed 0 of a run keeps the run's own name (and the config's default seed), so an experiment that
adds seeds reuses the seed-0 workdir trained before; seed k > 0 is `<name>_seed<k>`.

"Beyond the seed spread" is the rule every seeded table states: the seeds of one group all lie on
the same side of every seed of the other (their min-max ranges do not overlap). With 3 seeds it
is a plain, conservative reading, not a significance test.
"""

import statistics
from collections.abc import Sequence

SEEDS = (0, 1, 2)
RULE = (
    'a difference is beyond the seed spread when the two groups of seeds do not overlap '
    '(every seed of one is better than every seed of the other)'
)


def run_name(name: str, seed: int) -> str:
    """The workdir name of `name` trained with `seed`: `name` for seed 0, else `name_seed<k>`."""
    return name if seed == 0 else f'{name}_seed{seed}'


def overrides(seed: int) -> dict[str, str]:
    """The config override for `seed` (none for seed 0, the configs' default)."""
    return {'seed': str(seed)} if seed else {}


def spread(values: Sequence[float], digits: int = 2) -> str:
    """'0.28 ± 0.01': mean ± sample standard deviation, or the value alone for one run."""
    mean = statistics.mean(values)
    if len(values) == 1:
        return f'{mean:.{digits}f}'
    return f'{mean:.{digits}f} ± {statistics.stdev(values):.{digits}f}'


def separated(a: Sequence[float], b: Sequence[float]) -> bool:
    """Whether the groups of seeds `a` and `b` do not overlap (a single value is a group of one)."""
    return max(a) < min(b) or max(b) < min(a)


def counted(n: int) -> str:
    """'3 seeds', or '1 of 3 seeds' for a group trained on fewer than SEEDS so far."""
    return f'{n} seeds' if n >= len(SEEDS) else f'{n} of {len(SEEDS)} seeds'


def judged(met: bool, n: int) -> str:
    """A target's verdict on the mean of `n` seeds: 'met' or 'NOT met', and with fewer than
    SEEDS, on how many it rests: 'met on 1 of 3 seeds only'."""
    word = 'met' if met else 'NOT met'
    return word if n >= len(SEEDS) else f'{word} on {counted(n)} only'


def margin(values: Sequence[float], reference: float, digits: int = 2, unit: str = '') -> str:
    """'mean - peer = +4.10, beyond the seed spread (every seed above it)': the mean of `values`
    minus one deterministic `reference` (a peer), and whether every seed lies on one side of it."""
    difference = statistics.mean(values) - reference
    if len(values) == 1:
        where = 'one seed: no spread to judge it against'
    elif separated(values, [reference]):
        where = f'beyond the seed spread (every seed {"above" if difference > 0 else "below"} it)'
    else:
        where = 'within the seed spread (seeds on both sides of it)'
    return f'mean - peer = {difference:+.{digits}f}{unit}, {where}'
