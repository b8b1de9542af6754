"""Mixed precision: with dtype=bfloat16 a model computes its matrix products and convolutions in
bfloat16 while its parameters and logits stay float32; attention scores are accumulated in
float32; config.matmul_precision reaches the compiled program. Traced only, nothing runs."""

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest

from seqlab import models
from seqlab.layers import attention
from seqlab.train import precision

TOKENS = np.ones((2, 8), np.int32)
WAVE = np.zeros((2, 64), np.float32)
# name -> (tiny kwargs, inputs): the models that took no compute dtype before.
CASES = {
    'mixer': (dict(num_classes=3, patch=2, width=8, depth=1), (np.zeros((2, 4, 4, 1)),)),
    'text_cnn': (
        dict(num_classes=3, vocab_size=5, width=8, features=8, kernel_sizes=(3,)),
        (TOKENS,),
    ),
    'bert': (dict(vocab_size=5, width=8, depth=1, heads=2, mlp_dim=8, max_length=8), (TOKENS,)),
    'seq2seq': (
        dict(vocab_size=5, width=8, encoder_depth=1, decoder_depth=1, heads=2, mlp_dim=8),
        (TOKENS, TOKENS > 0, TOKENS),
    ),
    'spec_cnn': (dict(num_classes=3, channels=(8,)), (np.zeros((2, 8, 16), np.float32),)),
    'wavenet': (
        dict(levels=8, channels=8, skip_channels=8, max_dilation=2, stacks=1),
        (TOKENS, TOKENS[:, 0]),
    ),
    'causal_cnn': (dict(num_classes=3, channels=8, dilations=(1, 2)), (WAVE,)),
    'wave_cnn': (
        dict(num_classes=3, channels=8, front_kernel=4, front_stride=2, dilations=(1,), stages=1),
        (WAVE,),
    ),
}


def bf16_products(jaxpr) -> int:
    """Matrix products and convolutions with bfloat16 operands, sub-jaxprs included."""
    count = 0
    for eqn in jaxpr.eqns:
        if eqn.primitive.name in ('dot_general', 'conv_general_dilated'):
            count += all(v.aval.dtype == jnp.bfloat16 for v in eqn.invars)
        for sub in jax.core.jaxprs_in_params(eqn.params):
            count += bf16_products(sub)
    return count


@pytest.mark.parametrize('name', sorted(CASES))
def test_bfloat16_compute_with_float32_parameters_and_logits(name):
    kwargs, inputs = CASES[name]
    model = models.get(name)(**kwargs, dtype='bfloat16')
    variables = jax.eval_shape(lambda: model.init(jax.random.PRNGKey(0), *inputs))
    assert {leaf.dtype for leaf in jax.tree.leaves(variables['params'])} == {jnp.dtype('float32')}
    traced = jax.make_jaxpr(lambda v: model.apply(v, *inputs))(variables)
    assert traced.out_avals[0].dtype == jnp.float32
    assert bf16_products(traced.jaxpr) > 0


def test_every_model_takes_a_compute_dtype():
    assert all('dtype' in models.fields(models.get(name)) for name in models.names())


def test_bfloat16_attention_scores_accumulate_in_float32():
    q = k = jnp.zeros((1, 4, 2, 8), jnp.bfloat16)
    traced = jax.make_jaxpr(attention.attention_weights)(q, k)
    dots = [e for e in traced.jaxpr.eqns if e.primitive.name == 'dot_general']
    assert [e.params['preferred_element_type'] for e in dots] == [jnp.dtype('float32')]
    assert all(v.aval.dtype == jnp.bfloat16 for v in dots[0].invars)  # inputs stay bfloat16


@pytest.mark.parametrize(('name', 'hlo'), [('highest', 'HIGHEST'), ('high', 'HIGH')])
def test_matmul_precision_reaches_the_compiled_program(name, hlo):
    config = ml_collections.ConfigDict({'matmul_precision': name})
    x = jnp.ones((4, 4))
    with precision.scope(config):
        text = jax.jit(jnp.dot).lower(x, x).as_text()
    assert f'precision = [{hlo}, {hlo}]' in text or f'#stablehlo<precision {hlo}>' in text
