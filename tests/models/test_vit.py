"""ViT stems: the token grid, each token's receptive field, and the stem's config errors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from seqlab import interop
from seqlab.config import ConfigError
from seqlab.interop.errors import InteropError
from seqlab.layers.conv import receptive_field
from seqlab.models.vit import ViT

IMAGES = jnp.zeros((1, 28, 28, 1))


def tiny(**kwargs) -> ViT:
    return ViT(num_classes=3, width=16, depth=1, heads=2, mlp_dim=16, **kwargs)


@pytest.mark.parametrize(
    ('stem', 'patch', 'tokens'), [('conv', 8, 16), ('conv', 4, 49), ('patch', 7, 16)]
)
def test_tokens_are_the_grid_of_the_stem_stride(stem, patch, tokens):
    params = tiny(stem=stem, patch=patch).init(jax.random.PRNGKey(0), IMAGES)['params']
    assert params['position']['table'].shape == (tokens + 1, 16)  # + the class token


def pixels_seen(model: ViT, params: dict, row: int, col: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the input pixels that token (row, col) of the stem depends on."""

    def token(images):
        _, state = model.apply(
            {'params': params}, images, capture_intermediates=True, mutable=['intermediates']
        )
        (stem_output,) = state['intermediates']['patch_embedding']['__call__']
        return stem_output[0, row, col].sum()

    images = jax.random.normal(jax.random.PRNGKey(1), IMAGES.shape)
    seen = np.abs(np.asarray(jax.grad(token)(images))[0, ..., 0]) > 0
    return np.flatnonzero(seen.any(1)), np.flatnonzero(seen.any(0))


def test_conv_stem_tokens_see_overlapping_windows_of_the_receptive_field():
    model = tiny(stem='conv', patch=8)
    params = model.init(jax.random.PRNGKey(0), IMAGES)['params']
    field = receptive_field([3, 3, 3], [2, 2, 2])  # 15 pixels
    rows, cols = pixels_seen(model, params, 1, 1)
    neighbour_rows, _ = pixels_seen(model, params, 2, 1)
    assert len(rows) == len(cols) == field
    assert rows[0] + 8 == neighbour_rows[0]  # stride 8, windows of 15 overlap by 7
    assert len(set(rows) & set(neighbour_rows)) == field - 8


def test_patch_stem_tokens_see_their_own_patch_only():
    model = tiny(stem='patch', patch=7)
    params = model.init(jax.random.PRNGKey(0), IMAGES)['params']
    rows, cols = pixels_seen(model, params, 1, 2)
    assert list(rows) == list(range(7, 14)) and list(cols) == list(range(14, 21))


@pytest.mark.parametrize(
    ('kwargs', 'message'),
    [
        (
            {'stem': 'conv', 'patch': 7},
            "config.model.kwargs.patch=7 is not a stride of stem='conv' for the 28x28 image; "
            'allowed: 2, 4, 8, 16',
        ),
        (
            {'stem': 'conv2d', 'patch': 8},
            "config.model.kwargs.stem='conv2d' is not allowed; allowed: patch, conv",
        ),
        (
            {'stem': 'patch', 'patch': 8},
            'config.model.kwargs.patch=8 does not divide the 28x28 image; allowed: 1, 2, 4, 7, 14, 28',
        ),
    ],
)
def test_bad_stem_settings_are_one_line_errors(kwargs, message):
    with pytest.raises(ConfigError) as error:
        ViT.check(kwargs, (28, 28, 1))
    assert str(error.value) == message


def test_a_conv_stem_is_not_exported_as_a_transformers_vit(tmp_path):
    model = tiny(stem='conv', patch=8)
    variables = model.init(jax.random.PRNGKey(0), IMAGES)
    with pytest.raises(InteropError, match="ViT with stem='conv' cannot be exported"):
        interop.to_transformers(model, variables, str(tmp_path))
