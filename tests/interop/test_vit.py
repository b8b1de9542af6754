"""ViT: transformers checkpoints load into seqlab's ViT with the same logits and export back."""

import jax.numpy as jnp
import numpy as np
import pytest
import transformers

from tests.interop.hf import exported, logits, saved

IMAGES = np.random.RandomState(0).randn(2, 12, 12, 3).astype(np.float32)  # [B, H, W, C]


def channels_first(images: np.ndarray) -> np.ndarray:
    return images.transpose(0, 3, 1, 2)


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    """(directory, transformers model): 12x12x3 images, 4x4 patches, exact GELU, 5 labels."""
    config = transformers.ViTConfig(
        image_size=12,
        patch_size=4,
        num_channels=3,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=24,
        num_labels=5,
    )
    return saved(transformers.ViTForImageClassification(config), tmp_path_factory.mktemp('vit'))


def test_logits_equal_transformers(checkpoint, loaded):
    model, variables = loaded
    ours = np.asarray(model.apply(variables, jnp.asarray(IMAGES)))
    theirs = logits(checkpoint[1], channels_first(IMAGES))
    assert ours.shape == theirs.shape == (2, 5)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5)


def test_export_loads_in_transformers_with_the_same_logits(checkpoint, loaded, tmp_path):
    back = exported(*loaded, transformers.ViTForImageClassification, tmp_path)
    np.testing.assert_allclose(
        logits(back, channels_first(IMAGES)),
        logits(checkpoint[1], channels_first(IMAGES)),
        rtol=0,
        atol=1e-6,
    )
