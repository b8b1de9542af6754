"""optax optimizer and learning-rate schedule from `config.optim`.

lr(t) = lr · t / warmup for t < warmup, then decays to `lr · end_lr_factor` at `total_steps` along
the named schedule (constant, linear, cosine). Gradients are clipped to a global norm first.
`freeze` is a tuple of regular expressions over '/'-joined parameter paths
('embeddings/token/table', 'encoder/.*'): a parameter whose whole path one matches gets zero
updates (no weight decay, no optimizer state) and is left out of the clipped norm.
`skip_non_finite` = N > 0 wraps everything in `optax.apply_if_finite`: an update whose gradients
hold a NaN or Inf is dropped (parameters, moments and the schedule's count stay as they were) and
the train loop stops after N + 1 in a row; 0 stops at the first one.
"""

import functools
import re
from typing import Any

import jax
import jax.numpy as jnp
import ml_collections
import optax

from seqlab.config import ConfigError, one_of

OPTIMIZERS = ('sgd', 'adam', 'adamw', 'rmsprop', 'adagrad')
SCHEDULES = ('constant', 'linear', 'cosine')


def check(optim: ml_collections.ConfigDict) -> None:
    """One-line errors for bad optimizer settings, before anything runs."""
    one_of('config.optim.name', optim.name, OPTIMIZERS)
    one_of('config.optim.schedule', optim.schedule, SCHEDULES)
    if optim.lr <= 0:
        raise ConfigError(f'config.optim.lr={optim.lr!r} must be positive')
    if optim.clip_norm < 0:
        raise ConfigError(f'config.optim.clip_norm={optim.clip_norm!r} must be >= 0 (0 = off)')
    if optim.accum_steps < 1:
        raise ConfigError(f'config.optim.accum_steps={optim.accum_steps!r} must be >= 1')
    skip = optim.skip_non_finite
    if not isinstance(skip, int) or isinstance(skip, bool) or skip < 0:
        raise ConfigError(
            f'config.optim.skip_non_finite={skip!r} is not allowed; allowed: an int >= 0 '
            '(0 = stop at the first non-finite update, N = skip up to N in a row)'
        )
    for pattern in optim.freeze:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as error:
            raise ConfigError(
                f'config.optim.freeze: {pattern!r} is not a regular expression ({error})'
            ) from None


def learning_rate(
    optim: ml_collections.ConfigDict, warmup_steps: int, total_steps: int
) -> optax.Schedule:
    """Warmup then the configured decay; the step count is optimizer updates."""
    end_value = optim.lr * optim.end_lr_factor
    decay_steps = max(1, total_steps - warmup_steps)
    if optim.schedule == 'constant':
        decay = optax.constant_schedule(optim.lr)
    elif optim.schedule == 'linear':
        decay = optax.linear_schedule(optim.lr, end_value, decay_steps)
    else:
        decay = optax.cosine_decay_schedule(optim.lr, decay_steps, alpha=optim.end_lr_factor)
    if warmup_steps == 0:
        return decay
    warmup = optax.linear_schedule(0.0, optim.lr, warmup_steps)
    return optax.join_schedules([warmup, decay], [warmup_steps])


def make(
    optim: ml_collections.ConfigDict, warmup_steps: int, total_steps: int
) -> optax.GradientTransformation:
    """The gradient transformation: clip → optimizer with the schedule."""
    lr = learning_rate(optim, warmup_steps, total_steps)
    if optim.name == 'sgd':
        opt = optax.sgd(lr, momentum=optim.momentum or None, nesterov=optim.nesterov)
    elif optim.name == 'adam':
        opt = optax.adam(lr, b1=optim.b1, b2=optim.b2, eps=optim.eps)
    elif optim.name == 'adamw':
        opt = optax.adamw(
            lr, b1=optim.b1, b2=optim.b2, eps=optim.eps, weight_decay=optim.weight_decay
        )
    elif optim.name == 'rmsprop':
        opt = optax.rmsprop(lr, decay=optim.b2, eps=optim.eps, momentum=optim.momentum or None)
    else:
        opt = optax.adagrad(lr, eps=optim.eps)
    if optim.clip_norm:
        opt = optax.chain(optax.clip_by_global_norm(optim.clip_norm), opt)
    if optim.freeze:
        labels = functools.partial(freeze_labels, tuple(optim.freeze))
        opt = optax.multi_transform({'train': opt, 'frozen': optax.set_to_zero()}, labels)
    if optim.skip_non_finite:
        # optax applies the update once the count exceeds its limit; the loop stops before that.
        opt = optax.apply_if_finite(opt, max_consecutive_errors=optim.skip_non_finite + 1)
    return opt


def convert_skip_state(opt_state: Any, wrapped: bool) -> Any:
    """An optimizer state saved with `skip_non_finite` on (`wrapped`) or off, for the other
    setting: unwrapped to its inner state, or wrapped with zero counts."""
    if wrapped:
        return opt_state.inner_state
    return optax.ApplyIfFiniteState(
        notfinite_count=jnp.zeros([], jnp.int32),
        last_finite=jnp.array(True),
        total_notfinite=jnp.zeros([], jnp.int32),
        inner_state=opt_state,
    )


def schedule_count(opt_state: Any) -> int:
    """The updates applied so far, read from the optimizer state's schedule `count` (a dropped
    update, `skip_non_finite`, does not advance it): the last one ran at rate lr(count - 1)."""
    counts = optax.tree_utils.tree_get_all_with_path(opt_state, 'count')
    if not counts:
        raise ValueError('the optimizer state has no schedule count')
    return int(counts[0][1])


def skipped_in_a_row(opt_state: Any) -> jax.Array | None:
    """Consecutive dropped updates up to the last step (int32 []), or None without
    `skip_non_finite`."""
    if isinstance(opt_state, optax.ApplyIfFiniteState):
        return opt_state.notfinite_count
    return None


def freeze_labels(patterns: tuple[str, ...], params: Any) -> Any:
    """'frozen' or 'train' for every parameter; each pattern must match some parameter's path,
    and some parameter must stay trainable."""
    flat, tree = jax.tree_util.tree_flatten_with_path(params)
    paths = [jax.tree_util.keystr(path, simple=True, separator='/') for path, _ in flat]
    for pattern in patterns:
        if not any(re.fullmatch(pattern, path) for path in paths):
            raise ConfigError(
                f'config.optim.freeze: {pattern!r} matches no parameter path; allowed paths '
                f'include: {", ".join(paths[:12])}{", ..." if len(paths) > 12 else ""}'
            )
    frozen = [any(re.fullmatch(p, path) for p in patterns) for path in paths]
    if all(frozen):
        raise ConfigError(
            f'config.optim.freeze={patterns!r} freezes every parameter; nothing would train'
        )
    return jax.tree.unflatten(tree, ['frozen' if f else 'train' for f in frozen])


def default_config() -> ml_collections.ConfigDict:
    """Defaults every config starts from (AdamW, warmup + cosine, clip 1.0)."""
    return ml_collections.ConfigDict(
        dict(
            name='adamw',
            lr=1e-3,
            schedule='cosine',
            warmup='5%',
            end_lr_factor=0.0,
            weight_decay=1e-4,
            b1=0.9,
            b2=0.999,
            eps=1e-8,
            momentum=0.9,
            nesterov=False,
            clip_norm=1.0,
            accum_steps=1,
            freeze=(),
            skip_non_finite=0,
        )
    )
