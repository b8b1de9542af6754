"""Attention backends: every one that runs on CPU gives the reference's outputs and gradients;
`auto` picks cuDNN only where platform, dtype and shape allow it and logs why it falls back; an
unknown backend, or one the platform lacks, is one line naming what is allowed."""

import logging

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from seqlab.layers import attention, attention_backend

B, T, H, D = 2, 6, 2, 8


def inputs(seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    q, k, v = (jnp.asarray(rng.normal(size=(B, T, H, D)), jnp.float32) for _ in range(3))
    mask = rng.random((B, 1, T, T)) < 0.7
    mask[..., 0] = True  # every query sees at least one key
    bias = jnp.asarray(rng.normal(size=(1, H, T, T)), jnp.float32)
    return q, k, v, jnp.asarray(mask), bias


def run(backend: str, q, k, v, mask, bias, causal: bool) -> jax.Array:
    if backend == 'chunked':
        return attention.chunked_dot_product_attention(q, k, v, mask, bias, 4, 4, causal=causal)
    if backend in attention_backend.FUSED:
        return attention_backend.fused(backend, q, k, v, mask, bias, causal=causal)
    return attention.dot_product_attention(q, k, v, mask, bias, causal=causal)


@pytest.mark.parametrize(('backend', 'causal'), [('xla', False), ('xla', True), ('chunked', True)])
def test_cpu_backends_match_the_reference_outputs_and_gradients(backend, causal):
    q, k, v, mask, bias = inputs()

    def loss(name):
        return lambda q, k, v, b: (run(name, q, k, v, mask, b, causal) ** 2).sum()

    np.testing.assert_allclose(
        run(backend, q, k, v, mask, bias, causal),
        run('naive', q, k, v, mask, bias, causal),
        atol=1e-5,
    )
    grads = jax.grad(loss(backend), argnums=(0, 1, 2, 3))(q, k, v, bias)
    reference = jax.grad(loss('naive'), argnums=(0, 1, 2, 3))(q, k, v, bias)
    for got, want in zip(grads, reference, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-4)


def test_mha_with_each_backend_equals_naive_and_auto_is_naive_on_cpu_silently(caplog):
    x = jnp.asarray(np.random.default_rng(1).normal(size=(B, T, 16)), jnp.float32)
    layers = {
        name: attention.MultiHeadAttention(num_heads=2, causal=True, attention=name)
        for name in ('naive', 'xla', 'chunked', 'auto')
    }
    params = layers['naive'].init(jax.random.PRNGKey(0), x)
    want = layers['naive'].apply(params, x)
    attention_backend._log_fallback.cache_clear()
    with caplog.at_level(logging.INFO, logger='seqlab'):
        outputs = {name: layer.apply(params, x) for name, layer in layers.items()}
    np.testing.assert_array_equal(outputs['auto'], want)
    for name in ('xla', 'chunked'):
        np.testing.assert_allclose(outputs[name], want, atol=1e-5)
    assert 'attention' not in caplog.text  # on a CPU naive is expected: no line about it
    with caplog.at_level(logging.INFO, logger='seqlab'):  # on a GPU the fallback says why, once
        for _ in range(2):
            attention_backend.choose(
                'auto', dtype=jnp.float32, head_dim=64, dropout=False, on='gpu'
            )
    assert (
        caplog.text.count(
            "attention 'auto' uses 'naive': cudnn needs float16 or bfloat16 (compute dtype float32)"
        )
        == 1
    )


@pytest.mark.parametrize(
    ('dtype', 'head_dim', 'dropout', 'chosen'),
    [
        (jnp.bfloat16, 64, False, 'cudnn'),
        (jnp.float32, 64, False, 'naive'),  # cuDNN's fused kernel is half precision only
        (jnp.bfloat16, 160, False, 'naive'),  # head dim above 128
        (jnp.bfloat16, 64, True, 'naive'),  # weight dropout
    ],
)
def test_auto_on_a_gpu_picks_cudnn_only_where_it_runs(dtype, head_dim, dropout, chosen):
    options = dict(dtype=dtype, head_dim=head_dim, dropout=dropout, on='gpu')
    assert attention_backend.choose('auto', **options) == chosen


@pytest.mark.parametrize(
    ('name', 'message'),
    [
        ('flash', "where='flash' is not a backend; allowed: auto, naive, xla, cudnn, pallas, "),
        (
            'cudnn',
            "where='cudnn' needs a GPU (cuDNN fused attention); this platform (cpu) has: "
            'auto, naive, xla, chunked',
        ),
    ],
)
def test_unknown_or_missing_backends_are_one_line(name, message):
    with pytest.raises(ValueError) as error:
        attention_backend.check(name, 'where', on='cpu')
    assert str(error.value).startswith(message) and '\n' not in str(error.value)


@pytest.mark.parametrize(
    ('overrides', 'message'),
    [
        ({'model.kwargs.attention': 'flash'}, "attention='flash' is not a backend; allowed: "),
        ({'model.kwargs.attention': 'cudnn'}, "attention='cudnn' needs a GPU (cuDNN fused "),
        (
            {'model.kwargs.attention': 'xla', 'model.kwargs.attention_dropout': '0.1'},
            "attention='xla' has no attention-weight dropout",
        ),
    ],
)
def test_a_bad_attention_config_is_refused_before_anything_compiles(overrides, message):
    from seqlab import launcher
    from seqlab.config import ConfigError
    from seqlab.train import preflight

    config = launcher.load_config('configs/vit.py:smoke', overrides)
    with pytest.raises(ConfigError) as error:
        preflight.check_names(config)
    assert str(error.value).startswith(f'config.model.kwargs.{message}')


def test_the_attention_check_reads_the_model_defaults():
    """BERT's attention_dropout defaults to 0.1, so a fused backend is refused without the key."""
    from seqlab import launcher
    from seqlab.config import ConfigError
    from seqlab.train import preflight

    config = launcher.load_config('configs/bert.py:smoke', {'model.kwargs.attention': 'xla'})
    del config.model.kwargs['attention_dropout']
    with pytest.raises(ConfigError, match=r'attention_dropout=0\.1; allowed: 0'):
        preflight.check_names(config)
