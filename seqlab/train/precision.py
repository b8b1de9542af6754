"""`config.matmul_precision`: how float32 matrix products run, for the whole run.

    default  the platform's fastest: full float32 on CPUs, TF32 on NVIDIA Ampere and later,
             bfloat16 passes on TPUs (fast; differs from float32 by about 1e-3 relative)
    high     TF32 on NVIDIA GPUs, three bfloat16 passes on TPUs
    highest  full float32 everywhere (what tests comparing with numpy at 1e-5 need)

It sets `jax.default_matmul_precision` around compilation and every step; the value is part
of the config, so config.json records it. Compute dtypes are a model option
(`config.model.kwargs.dtype`); parameters, optimizer state, softmax, normalisation statistics
and losses stay float32 whatever it is.
"""

import contextlib
import functools
from collections.abc import Callable, Iterator

import jax
import ml_collections

from seqlab.config import one_of

PRECISIONS = ('default', 'high', 'highest')


def check(config: ml_collections.ConfigDict) -> None:
    """ConfigError (one line) unless config.matmul_precision is one of PRECISIONS."""
    one_of('config.matmul_precision', config.get('matmul_precision', 'default'), PRECISIONS)


@contextlib.contextmanager
def scope(config: ml_collections.ConfigDict) -> Iterator[None]:
    """Run the body with config.matmul_precision as JAX's default matmul precision (checked
    first, so a bad value is a one-line ConfigError rather than JAX's own ValueError)."""
    check(config)
    with jax.default_matmul_precision(config.get('matmul_precision', 'default')):
        yield


def applied(entry: Callable) -> Callable:
    """`entry(config, ...)` run inside `scope(config)` (the train loop's entry points)."""

    @functools.wraps(entry)
    def run(config: ml_collections.ConfigDict, *args, **kwargs):
        with scope(config):
            return entry(config, *args, **kwargs)

    return run
