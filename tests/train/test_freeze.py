"""config.optim.freeze: parameters whose path a pattern matches get zero updates (bitwise
unchanged, even under weight decay and momentum) and stay out of the clipped norm; bad patterns
are one-line ConfigErrors naming the pattern and the allowed paths."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from seqlab.config import ConfigError
from seqlab.train import optim

PARAMS = {
    'embeddings': {'token': {'table': jnp.ones((5, 3))}},
    'encoder': {'kernel': jnp.full((3, 3), 0.5), 'bias': jnp.zeros(3)},
    'head': {'kernel': jnp.full((3, 2), -0.3)},
}


def make(freeze=(), **overrides):
    config = optim.default_config()
    config.update(dict(lr=0.1, warmup='0', weight_decay=0.1, freeze=tuple(freeze), **overrides))
    optim.check(config)
    return optim.make(config, 0, 100)


def train(tx, steps=3):
    loss = lambda p: sum(jnp.sum(jnp.sin(x)) for x in jax.tree.leaves(p))  # noqa: E731
    params, state = PARAMS, tx.init(PARAMS)
    for _ in range(steps):
        updates, state = tx.update(jax.grad(loss)(params), state, params)
        params = optax.apply_updates(params, updates)
    return params


def test_frozen_parameters_are_bitwise_unchanged_others_train():
    params = train(make(['embeddings/.*', 'encoder/bias']))
    np.testing.assert_array_equal(params['embeddings']['token']['table'], jnp.ones((5, 3)))
    np.testing.assert_array_equal(params['encoder']['bias'], jnp.zeros(3))
    assert not np.array_equal(params['encoder']['kernel'], PARAMS['encoder']['kernel'])
    assert not np.array_equal(params['head']['kernel'], PARAMS['head']['kernel'])


def test_trainable_parameters_follow_the_unfrozen_optimizer_on_their_own():
    """Freezing = training the other parameters alone (clip norm over them only)."""
    frozen = train(make(['embeddings/.*'], clip_norm=0.5))
    rest = {k: v for k, v in PARAMS.items() if k != 'embeddings'}
    tx = make(clip_norm=0.5)
    loss = lambda p: sum(jnp.sum(jnp.sin(x)) for x in jax.tree.leaves(p))  # noqa: E731
    params, state = rest, tx.init(rest)
    for _ in range(3):
        updates, state = tx.update(jax.grad(loss)(params), state, params)
        params = optax.apply_updates(params, updates)
    for name in rest:
        jax.tree.map(np.testing.assert_allclose, frozen[name], params[name])


@pytest.mark.parametrize(
    'freeze, message',
    [
        (['decoder/.*'], "config.optim.freeze: 'decoder/.*' matches no parameter path; allowed "
                         'paths include: embeddings/token/table, encoder/bias'),
        (['encoder'], "config.optim.freeze: 'encoder' matches no parameter path"),
        (['.*'], "config.optim.freeze=\\('.\\*',\\) freezes every parameter"),
    ],
)  # fmt: skip
def test_patterns_must_match_and_leave_something_to_train(freeze, message):
    with pytest.raises(ConfigError, match=message) as error:
        make(freeze).init(PARAMS)
    assert '\n' not in str(error.value)


def test_a_bad_regular_expression_is_caught_by_check():
    with pytest.raises(ConfigError, match=r"config.optim.freeze: 'encoder/\(' is not a regular"):
        make(['encoder/('])
