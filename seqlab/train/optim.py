"""optax optimizer and learning-rate schedule from `config.optim`.

lr(t) = lr · t / warmup for t < warmup, then decays to `lr · end_lr_factor` at `total_steps` along
the named schedule (constant, linear, cosine). Gradients are clipped to a global norm first.
"""

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
        return optax.chain(optax.clip_by_global_norm(optim.clip_norm), opt)
    return opt


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
        )
    )
