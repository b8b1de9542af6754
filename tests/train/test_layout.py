"""nn.scan layer layout: recorded in checkpoints; a scanned checkpoint restores into an unscanned
model (and back) by unstacking (stacking) the layer axis, with identical outputs; a checkpoint with
another number of layers is refused with a message naming both."""

import jax
import numpy as np
import pytest

from seqlab import config_defaults
from seqlab.models.vit import ViT
from seqlab.train import checkpoint, layout, optim, sharding
from seqlab.train import state as state_lib

IMAGES = np.random.default_rng(0).random((2, 4, 4, 1), dtype=np.float32)


def vit(scan: bool, depth: int = 2) -> ViT:
    return ViT(num_classes=3, patch=2, width=8, depth=depth, heads=2, mlp_dim=16, scan=scan)


def trained_state(model, inputs):
    """A state whose head and Adam moments are non-zero (one step with the parameters as grads)."""
    tx = optim.make(optim.default_config(), 0, 10)

    def train():  # jitted: one program, not an eagerly run operation for every leaf
        state = state_lib.create(model, tx, inputs, seed=0)
        state = state.replace(params=jax.tree.map(lambda p: p + 0.1, state.params))
        return state.apply_gradients(grads=state.params)

    return jax.jit(train)()


def abstract(model, inputs):
    tx = optim.make(optim.default_config(), 0, 10)
    shapes = state_lib.abstract(model, tx, inputs, seed=0)
    mesh = sharding.make_mesh(config_defaults.base().mesh)
    return jax.tree.map(
        lambda leaf: jax.ShapeDtypeStruct(
            leaf.shape, leaf.dtype, sharding=sharding.replicated(mesh)
        ),
        shapes,
    )


def save(tmp_path, name, state) -> checkpoint.Checkpointer:
    ckpt = checkpoint.Checkpointer(str(tmp_path / name), async_save=False)
    ckpt.save(1, state, {'position': 0})
    return ckpt


def test_layout_names_each_stack():
    tx = optim.make(optim.default_config(), 0, 10)
    scanned = checkpoint.shapes(state_lib.abstract(vit(True), tx, (IMAGES,), 0))
    assert layout.of(scanned)['params/encoder'] == {'scanned': True, 'layers': 2}
    assert layout.of(scanned)['opt_state/1/0/mu/encoder'] == {'scanned': True, 'layers': 2}
    params = jax.eval_shape(vit(False).init, jax.random.PRNGKey(0), IMAGES)['params']
    unscanned = checkpoint.shapes({'params': params})
    assert layout.of(unscanned) == {'params/encoder': {'scanned': False, 'layers': 2}}


@pytest.fixture(scope='module')
def scanned_state():
    """`trained_state` of the scanned 2-layer ViT, shared by the tests that save it."""
    return trained_state(vit(True), (IMAGES,))


def test_scanned_checkpoint_restores_unscanned_and_back_with_identical_outputs(
    tmp_path, scanned_state
):
    state = scanned_state
    save(tmp_path, 'scanned', state).close()
    ckpt = checkpoint.Checkpointer(str(tmp_path / 'scanned'))
    unscanned, _, _ = ckpt.restore(abstract(vit(False), (IMAGES,)))
    ckpt.close()
    blocks = state.params['encoder']['blocks']
    for layer in range(2):
        for a, b in zip(
            jax.tree.leaves(unscanned.params['encoder'][f'blocks_{layer}']),
            jax.tree.leaves(blocks),
            strict=True,
        ):
            np.testing.assert_array_equal(a, b[layer])
    moments = unscanned.opt_state[1][0].mu['encoder'], state.opt_state[1][0].mu['encoder']
    np.testing.assert_array_equal(
        moments[0]['blocks_1']['mlp']['hidden']['kernel'],
        moments[1]['blocks']['mlp']['hidden']['kernel'][1],
    )
    np.testing.assert_allclose(
        jax.jit(vit(False).apply)({'params': unscanned.params}, IMAGES),
        jax.jit(vit(True).apply)({'params': state.params}, IMAGES),
        rtol=1e-6,
        atol=1e-6,
    )
    # ... and back: the unscanned checkpoint restores into the scanned model bit for bit.
    save(tmp_path, 'unscanned', unscanned).close()
    ckpt = checkpoint.Checkpointer(str(tmp_path / 'unscanned'))
    scanned, _, _ = ckpt.restore(abstract(vit(True), (IMAGES,)))
    ckpt.close()
    for a, b in zip(jax.tree.leaves(scanned), jax.tree.leaves(state), strict=True):
        np.testing.assert_array_equal(a, b)


def test_another_layer_count_is_refused_naming_both(tmp_path, scanned_state):
    save(tmp_path, 'two', scanned_state).close()
    ckpt = checkpoint.Checkpointer(str(tmp_path / 'two'))
    with pytest.raises(checkpoint.IncompatibleCheckpointError) as error:
        ckpt.restore(abstract(vit(False, depth=3), (IMAGES,)))
    ckpt.close()
    assert str(error.value).endswith(
        'does not fit this model: params/encoder has 2 scanned layers in the checkpoint '
        'and 3 unscanned layers in the model'
    )
