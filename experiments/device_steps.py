"""device_check.py's train-step sections: throughput and MFU, and the cost of deterministic ops.

A step is seqlab's train step (`loop.make_train_step`: loss, gradient, Adam update) on a synthetic
batch already on the device, jitted with the state donated, unscanned layers. Its time: after two
warm-up steps, `steps` steps run back to back and are blocked once, three times; the median of
the three per-step means. Its FLOPs: XLA's cost analysis of the lowered step of the same model
with `naive` attention (`benchlib.lowered_step_flops`), so a fused attention kernel, which XLA
does not count, leaves no FLOPs out. MFU = FLOPs / step time / peak.
"""

import dataclasses
import statistics
import time
from collections.abc import Callable
from typing import Any

import benchlib
import jax
import numpy as np

from seqlab.layers import attention_backend
from seqlab.models.gpt import GPT
from seqlab.tasks.causal_lm import CausalLM

REPEATS, WARMUP = 3, 2


@dataclasses.dataclass(frozen=True)
class GptShape:
    """The benchmark GPT (mlp 4 x width, tied embedding) and its batch of `batch` x `length`."""

    batch: int = 8
    length: int = 2048
    depth: int = 12
    width: int = 768
    heads: int = 12
    vocab: int = 50304

    @property
    def tokens(self) -> int:
        return self.batch * self.length


@dataclasses.dataclass
class StepResult:
    """One model in one dtype: seconds per step, items (tokens or images) per step, FLOPs."""

    model: str
    dtype: str
    attention: str
    items: int
    item_name: str
    seconds: float
    flops: float


def gpt(shape: GptShape, dtype: str, attention: str = 'auto') -> GPT:
    return GPT(
        vocab_size=shape.vocab,
        width=shape.width,
        depth=shape.depth,
        heads=shape.heads,
        mlp_dim=4 * shape.width,
        max_length=shape.length,
        scan=False,
        dtype=dtype,
        attention=attention,
    )


def gpt_batch(shape: GptShape, seed: int = 0) -> dict[str, np.ndarray]:
    """A causal-LM batch: tokens int32 [B, T + 1] (inputs are the first T), masks of ones."""
    rng = np.random.default_rng(seed)
    return {
        'tokens': rng.integers(0, shape.vocab, (shape.batch, shape.length + 1)).astype(np.int32),
        'token_mask': np.ones((shape.batch, shape.length + 1), np.float32),
        'mask': np.ones(shape.batch, np.float32),
    }


def seconds_per_step(step: Callable, state: Any, batch: dict, steps: int) -> float:
    """Median over REPEATS of the mean seconds of `steps` back-to-back steps (after WARMUP)."""
    for _ in range(WARMUP):
        state, metrics = step(state, batch)
    jax.block_until_ready(state)
    means = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for _ in range(steps):
            state, metrics = step(state, batch)
        jax.block_until_ready((state, metrics))
        means.append((time.perf_counter() - start) / steps)
    return statistics.median(means)


def resolved_attention(dtype: str, head_dim: int) -> str:
    """What `auto` runs for this dtype and head dim here."""
    return attention_backend.choose('auto', dtype=dtype, head_dim=head_dim, dropout=False)


def measure_gpt(shape: GptShape, dtype: str, steps: int) -> StepResult:
    batch = jax.device_put(gpt_batch(shape))
    step, state = benchlib.train_step(gpt(shape, dtype), batch, task=CausalLM())
    seconds = seconds_per_step(step, state, batch, steps)
    del state
    flops = benchlib.lowered_step_flops(gpt(shape, dtype, 'naive'), batch, CausalLM())
    attention = resolved_attention(dtype, shape.width // shape.heads)
    return StepResult('GPT', dtype, attention, shape.tokens, 'tokens', seconds, flops)


def measure_vit(shape: benchlib.VitShape, dtype: str, steps: int) -> StepResult:
    batch = jax.device_put(benchlib.synthetic_batch(shape))
    step, state = benchlib.train_step(benchlib.vit(shape, scan=False, dtype=dtype), batch)
    seconds = seconds_per_step(step, state, batch, steps)
    del state
    model = benchlib.vit(shape, scan=False, dtype=dtype, attention='naive')
    flops = benchlib.lowered_step_flops(model, batch)
    attention = resolved_attention(dtype, shape.width // shape.heads)
    return StepResult('ViT', dtype, attention, shape.batch, 'images', seconds, flops)
