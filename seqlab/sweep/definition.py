"""What a config's `get_sweep(arg)` returns, checked into a `Sweep` before anything runs.

    def get_sweep(arg):
        return dict(grid={'optim.lr': [1e-3, 3e-3], 'optim.weight_decay': [0.0, 0.05]})

    def get_sweep(arg):
        return dict(
            search={'optim.lr': ('log_uniform', 1e-4, 1e-2), 'model.kwargs.pool': ('choice', ['cls', 'mean'])},
            sampler='tpe', trials=16, seed=0,
        )

`grid` is the product of its value lists; `search` draws `trials` points from its distributions
(`uniform`, `log_uniform`, `int`, `choice`) with the `random` or `tpe` sampler. With both, every
grid point gets `trials` searched trials. Trial n of the sweep is grid point n // trials.
Keys are config keys as in `--config.a.b=v`; every value must be accepted by the config.
"""

import dataclasses
import itertools
from collections.abc import Callable
from typing import Any

import ml_collections
import optuna

from seqlab.config import ConfigError, apply_overrides

KEYS = ('grid', 'search', 'sampler', 'trials', 'seed')
SAMPLERS = ('random', 'tpe')
DISTRIBUTIONS = {'uniform': 2, 'log_uniform': 2, 'int': 2, 'choice': 1}  # name -> arguments
OBJECTIVE_KEYS = ('checkpoint.best_metric', 'checkpoint.best_mode')


@dataclasses.dataclass(frozen=True)
class Sweep:
    """grid: key -> override texts; search: key -> optuna distribution (choices as texts)."""

    grid: dict[str, tuple[str, ...]]
    search: dict[str, optuna.distributions.BaseDistribution]
    sampler: str = 'random'
    trials: int = 1  # searched trials per grid point
    seed: int = 0

    @property
    def grid_points(self) -> list[dict[str, str]]:
        keys = list(self.grid)
        return [
            dict(zip(keys, values, strict=True))
            for values in itertools.product(*self.grid.values())
        ]

    @property
    def size(self) -> int:
        return len(self.grid_points) * (self.trials if self.search else 1)

    def fixed(self, slot: int) -> dict[str, str]:
        """The grid values of trial `slot`."""
        return self.grid_points[slot // (self.trials if self.search else 1)]

    def describe(self) -> str:
        parts = []
        if self.grid:
            parts.append('grid ' + ' x '.join(str(len(v)) for v in self.grid.values()))
        if self.search:
            parts.append(f'{self.sampler} search of {self.trials} over {", ".join(self.search)}')
        return f'{self.size} trials ({"; ".join(parts)})'

    def fingerprint(self) -> dict[str, Any]:
        """A JSON-able identity: a sweep directory holds one sweep."""
        return {
            'grid': {k: list(v) for k, v in self.grid.items()},
            'search': {k: repr(v) for k, v in self.search.items()},
            'sampler': self.sampler,
            'trials': self.trials,
            'seed': self.seed,
        }


def text(value: Any) -> str:
    """The `--config.key=<text>` form of a value: strings as they are, the rest as Python literals."""
    return value if isinstance(value, str) else repr(value)


def suggest(trial: optuna.Trial, sweep: Sweep) -> dict[str, str]:
    """Ask the trial for every swept key (grid values are fixed by the queue) -> key: override text."""
    values: dict[str, Any] = {}
    for key, choices in sweep.grid.items():
        values[key] = trial.suggest_categorical(key, choices)
    for key, dist in sweep.search.items():
        if isinstance(dist, optuna.distributions.FloatDistribution):
            values[key] = trial.suggest_float(key, dist.low, dist.high, log=dist.log)
        elif isinstance(dist, optuna.distributions.IntDistribution):
            values[key] = trial.suggest_int(key, dist.low, dist.high)
        else:
            values[key] = trial.suggest_categorical(key, dist.choices)
    return {key: text(value) for key, value in values.items()}


def load(
    get_sweep: Callable[[str | None], dict] | None,
    arg: str | None,
    config: ml_collections.ConfigDict,
) -> Sweep:
    """Call the config's get_sweep(arg) and check it against `config`; raises ConfigError."""
    if get_sweep is None:
        raise ConfigError(
            '--sweep: this config defines no get_sweep(arg); add one (see configs/vit.py)'
        )
    spec = get_sweep(arg)
    if not isinstance(spec, dict):
        raise ConfigError(
            f'get_sweep returned {type(spec).__name__}; expected a dict with keys {", ".join(KEYS)}'
        )
    unknown = sorted(set(spec) - set(KEYS))
    if unknown:
        raise ConfigError(f'get_sweep key {unknown[0]!r} is not known; allowed: {", ".join(KEYS)}')
    grid = {
        key: _grid_values(key, values, config) for key, values in _mapping(spec, 'grid').items()
    }
    search = {
        key: _distribution(key, dist, config) for key, dist in _mapping(spec, 'search').items()
    }
    if not grid and not search:
        raise ConfigError('get_sweep defines no trials; give a non-empty grid and/or search')
    both = sorted(set(grid) & set(search))
    if both:
        raise ConfigError(f'sweep key {both[0]!r} is in both grid and search; allowed: one of them')
    sampler = spec.get('sampler', 'random')
    if sampler not in SAMPLERS:
        raise ConfigError(f'sweep sampler={sampler!r} is not known; allowed: {", ".join(SAMPLERS)}')
    trials, seed = spec.get('trials', 1 if not search else None), spec.get('seed', 0)
    if search and trials is None:
        raise ConfigError('sweep search needs trials=<number of trials>')
    if not isinstance(trials, int) or isinstance(trials, bool) or trials < 1:
        raise ConfigError(f'sweep trials={trials!r} is not allowed; allowed: an int >= 1')
    if not search and trials != 1:
        raise ConfigError(f'sweep trials={trials} needs a search; a grid runs each point once')
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ConfigError(f'sweep seed={seed!r} is not allowed; allowed: an int')
    return Sweep(grid, search, sampler, trials, seed)


def _mapping(spec: dict, name: str) -> dict:
    part = spec.get(name, {})
    if not isinstance(part, dict):
        raise ConfigError(
            f'sweep {name} is a {type(part).__name__}; expected a dict of config keys'
        )
    return part


def _check_key(key: str, texts: list[str], config: ml_collections.ConfigDict, where: str) -> None:
    """Every text must be a valid `--config.key=text` override of `config`."""
    if key in OBJECTIVE_KEYS:
        raise ConfigError(
            f'sweep {where} {key!r}: the objective cannot be swept; allowed: other config keys'
        )
    for value in texts:
        try:
            apply_overrides(config.copy_and_resolve_references(), {key: value})
        except ConfigError as error:
            raise ConfigError(f'sweep {where}: {error}') from None


def _grid_values(key: str, values: Any, config: ml_collections.ConfigDict) -> tuple[str, ...]:
    if not isinstance(values, list | tuple) or not values:
        raise ConfigError(
            f'sweep grid {key!r}={values!r} is not allowed; allowed: a non-empty list of values'
        )
    texts = tuple(text(v) for v in values)
    if len(set(texts)) != len(texts):
        raise ConfigError(
            f'sweep grid {key!r}={values!r} repeats a value; allowed: distinct values'
        )
    _check_key(key, list(texts), config, 'grid')
    return texts


def _distribution(
    key: str, dist: Any, config: ml_collections.ConfigDict
) -> optuna.distributions.BaseDistribution:
    allowed = "('uniform', low, high), ('log_uniform', low, high), ('int', low, high), ('choice', [values])"
    if not isinstance(dist, tuple | list) or not dist or dist[0] not in DISTRIBUTIONS:
        raise ConfigError(
            f'sweep search {key!r}={dist!r} is not a distribution; allowed: {allowed}'
        )
    name, args = dist[0], list(dist[1:])
    if len(args) != DISTRIBUTIONS[name]:
        raise ConfigError(
            f'sweep search {key!r}={dist!r} needs {DISTRIBUTIONS[name]} argument(s); allowed: {allowed}'
        )
    if name == 'choice':
        choices = args[0]
        if not isinstance(choices, list | tuple) or not choices:
            raise ConfigError(
                f'sweep search {key!r}={dist!r}: choice needs a non-empty list of values'
            )
        texts = tuple(text(c) for c in choices)
        _check_key(key, list(texts), config, 'search')
        return optuna.distributions.CategoricalDistribution(texts)
    low, high = args
    number = int if name == 'int' else (int, float)
    if (
        not all(isinstance(v, number) and not isinstance(v, bool) for v in (low, high))
        or not low < high
    ):
        kind = 'ints' if name == 'int' else 'numbers'
        raise ConfigError(f'sweep search {key!r}={dist!r}: need {kind} low < high')
    if name == 'log_uniform' and low <= 0:
        raise ConfigError(f'sweep search {key!r}={dist!r}: log_uniform needs low > 0')
    bounds = (low, high) if name == 'int' else (float(low), float(high))
    _check_key(key, [text(v) for v in bounds], config, 'search')
    if name == 'int':
        return optuna.distributions.IntDistribution(low, high)
    return optuna.distributions.FloatDistribution(
        float(low), float(high), log=name == 'log_uniform'
    )
