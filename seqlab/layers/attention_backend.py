"""Attention backends: which kernel computes softmax(q k^T / sqrt(d) + bias, masked) v.

    naive    the reference: scores [B, H, Tq, Tk] materialised, accumulated and normalised in
             float32 (`attention.dot_product_attention`); weight dropout; runs everywhere
    xla      jax.nn.dot_product_attention(implementation='xla'); runs everywhere
    cudnn    jax.nn.dot_product_attention(implementation='cudnn'): cuDNN's fused (flash)
             attention; GPU, float16/bfloat16, head dim a multiple of 8 up to 128
    pallas   JAX's Pallas (Triton) flash-attention kernel for GPUs; causal or no mask, no bias
    chunked  online softmax over key chunks, O(T * chunk) memory; runs everywhere
    auto     cudnn where the platform, dtype and shape allow it, else naive (the reason is logged
             once)

Fused kernels (xla, cudnn, pallas) have no dropout on the attention weights: with
`attention_dropout` > 0 in training, auto uses naive and an explicit fused backend is an error.
"""

import functools
import logging

import jax
import jax.numpy as jnp
import numpy as np

log = logging.getLogger('seqlab')

BACKENDS = ('auto', 'naive', 'xla', 'cudnn', 'pallas', 'chunked')
GPU_ONLY = {'cudnn': 'cuDNN fused attention', 'pallas': "JAX's Pallas (Triton) flash attention"}
CUDNN_DTYPES = (jnp.float16, jnp.bfloat16)
FUSED = ('xla', 'cudnn', 'pallas')


def platform() -> str:
    """'cpu', 'gpu' or 'tpu': the platform of the default devices."""
    name = jax.default_backend()
    return 'gpu' if name in ('cuda', 'rocm', 'gpu') else name


def available(on: str | None = None) -> tuple[str, ...]:
    """The backends that run on platform `on` (default: this one)."""
    on = on or platform()
    return tuple(name for name in BACKENDS if name not in GPU_ONLY or on == 'gpu')


def check(name: str, where: str = 'attention', on: str | None = None) -> None:
    """ValueError (one line, naming `where`) for an unknown backend or one `on` lacks."""
    on = on or platform()
    if name not in BACKENDS:
        raise ValueError(f'{where}={name!r} is not a backend; allowed: {", ".join(BACKENDS)}')
    if name not in available(on):
        raise ValueError(
            f'{where}={name!r} needs a GPU ({GPU_ONLY[name]}); this platform ({on}) has: '
            f'{", ".join(available(on))}'
        )


def cudnn_refusal(dtype: jnp.dtype, head_dim: int, on: str) -> str:
    """Why cuDNN fused attention cannot run here ('' if it can)."""
    if on != 'gpu':
        return f'cudnn needs a GPU (platform {on})'
    if jnp.dtype(dtype) not in [jnp.dtype(d) for d in CUDNN_DTYPES]:
        return f'cudnn needs float16 or bfloat16 (compute dtype {jnp.dtype(dtype).name})'
    if head_dim % 8 or head_dim > 128:
        return f'cudnn needs a head dim that is a multiple of 8 up to 128 (head dim {head_dim})'
    return ''


def choose(
    name: str,
    *,
    dtype: jnp.dtype,
    head_dim: int,
    dropout: bool,
    has_bias: bool = False,
    on: str | None = None,
) -> str:
    """The backend that runs `name` for this call on platform `on` (default: this one); `auto`
    resolved, its fallback logged once. dropout: attention-weight dropout is on (training with
    attention_dropout > 0); has_bias: a bias or a mask other than `causal` is given."""
    on = on or platform()
    check(name, on=on)
    if name == 'auto':
        why = 'attention weight dropout' if dropout else cudnn_refusal(dtype, head_dim, on)
        if not why:
            return 'cudnn'
        if on != 'cpu':  # on a CPU naive is expected; elsewhere the reason is worth a line
            _log_fallback(why)
        return 'naive'
    if dropout and name in FUSED:
        raise ValueError(
            f'attention={name!r} has no attention-weight dropout; use attention_dropout=0, '
            "'naive', 'chunked' or 'auto'"
        )
    if name == 'cudnn' and (why := cudnn_refusal(dtype, head_dim, on)):
        raise ValueError(f"attention='cudnn': {why}; use 'auto' to fall back")
    if name == 'pallas' and has_bias:
        raise ValueError("attention='pallas' takes no bias or mask other than causal")
    return name


@functools.cache
def _log_fallback(why: str) -> None:
    log.info("attention 'auto' uses 'naive': %s", why)


def fused(
    name: str,
    queries: jax.Array,
    keys: jax.Array,
    values: jax.Array,
    mask: jax.Array | None = None,
    bias: jax.Array | None = None,
    *,
    causal: bool = False,
) -> jax.Array:
    """softmax(q k^T / sqrt(d) + bias, masked) v with backend `name` ('xla', 'cudnn', 'pallas').

    queries: [B, Tq, H, D], keys/values: [B, Tk, H, D]; mask bool broadcastable to
    [B, H, Tq, Tk] (True = attend). -> [B, Tq, H, D] in the dtype of `queries`.
    """
    if name == 'pallas':
        if mask is not None or bias is not None:
            raise ValueError("attention='pallas' takes no bias or mask other than causal")
        from jax.experimental.pallas.ops.gpu import attention as pallas_attention

        scale = float(1 / np.sqrt(queries.shape[-1]))
        return pallas_attention.mha(queries, keys, values, None, sm_scale=scale, causal=causal)
    return jax.nn.dot_product_attention(
        queries,
        keys,
        values,
        bias=_rank4(bias),
        mask=_rank4(mask),
        is_causal=causal,
        implementation=name,
    )


def _rank4(array: jax.Array | None) -> jax.Array | None:
    return None if array is None else array.reshape((1,) * (4 - array.ndim) + array.shape)
