"""experiments/bench_step_ops.py: the arithmetic of the floor under the ViT step."""

import os
import sys

import jax
import jax.numpy as jnp
import pytest

from tests.conftest import REPO

sys.path.insert(0, os.path.join(REPO, 'experiments'))
import bench_step_ops  # noqa: E402
import benchlib  # noqa: E402


def test_attention_flops_equal_xla_cost_of_the_cores_matmuls():
    """Forward (scores, weighted sum) and backward (4 matmuls) in each block, as XLA counts them."""
    shape = benchlib.VitShape(depth=3, width=32, heads=2, mlp_dim=64, image=16, patch=4, batch=2)
    head_dim = shape.width // shape.heads
    q, k, v, g = (
        jax.random.normal(key, (shape.batch, shape.heads, shape.tokens, head_dim))
        for key in jax.random.split(jax.random.key(0), 4)
    )

    def core(q, k, v):  # the softmax left out: only the matmuls are counted
        weights = jnp.einsum('bhqd,bhkd->bhqk', q, k)
        return jnp.vdot(jnp.einsum('bhqk,bhkd->bhqd', weights, v), g)

    cost = jax.jit(jax.value_and_grad(core, (0, 1, 2))).lower(q, k, v).compile().cost_analysis()
    cost = cost[0] if isinstance(cost, list) else cost
    vdot = 2 * g.size  # the loss's own multiply-adds, not part of the core
    assert bench_step_ops.attention_flops(shape) == pytest.approx(
        shape.depth * (cost['flops'] - vdot), rel=0.01
    )


@pytest.mark.parametrize('separate, fused, qkv_per_kind', [(1.0, 2.0, 2.0), (1.0, 4.0, 3.0)])
def test_dense_step_takes_the_faster_qkv_form_for_every_matmul_of_every_block(
    separate, fused, qkv_per_kind
):
    times = {}
    for kind in bench_step_ops.MATMULS:
        times[('qkv (3 fused)', kind)] = fused
        times[('attention out', kind)] = separate
        times[('mlp hidden', kind)] = 10.0
        times[('mlp output', kind)] = 100.0
    shape = benchlib.VitShape(depth=2)
    per_kind = qkv_per_kind + separate + 10.0 + 100.0
    assert bench_step_ops.dense_step(shape, times) == pytest.approx(2 * 3 * per_kind)
