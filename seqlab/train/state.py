"""TrainState: params, optimizer state, step and the base RNG — everything a resume needs."""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax
from flax.training import train_state


class TrainState(train_state.TrainState):
    """flax's TrainState plus `rng`, the base key; step t uses fold_in(rng, t)."""

    rng: jax.Array


def create(
    model: nn.Module, tx: optax.GradientTransformation, sample_inputs: tuple, seed: int
) -> TrainState:
    """Initialise parameters from `seed` on `sample_inputs` (shapes only matter)."""
    init_rng, base_rng = jax.random.split(jax.random.PRNGKey(seed))
    variables = model.init({'params': init_rng}, *sample_inputs, train=False)
    return TrainState.create(apply_fn=model.apply, params=variables['params'], tx=tx, rng=base_rng)


def abstract(
    model: nn.Module, tx: optax.GradientTransformation, sample_inputs: tuple, seed: int
) -> Any:
    """Shapes and dtypes of the state without computing it (for restoring)."""
    return jax.eval_shape(lambda: create(model, tx, sample_inputs, seed))


def num_params(params: Any) -> int:
    return sum(int(jnp.size(p)) for p in jax.tree.leaves(params))
