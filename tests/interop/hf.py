"""Tiny random transformers models for the interop tests (built locally: no downloads)."""

import os
from typing import Any

import flax.linen as nn
import numpy as np
import torch
import transformers

from seqlab import interop


def perturbed(model: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """`model` in eval mode with every parameter moved by N(0, 0.1^2), so that a forgotten bias
    or LayerNorm (zeros and ones at initialisation) changes the logits."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(0.1 * torch.randn(parameter.shape, generator=generator))
    return model.eval()


def saved(model: torch.nn.Module, directory: os.PathLike) -> tuple[str, torch.nn.Module]:
    """(directory, model): `model` perturbed (see `perturbed`) and written there by
    save_pretrained, the checkpoint a test loads."""
    model = perturbed(model)
    model.save_pretrained(directory)
    return str(directory), model


def exported(
    model: nn.Module,
    variables: Any,
    hf_class: type[transformers.PreTrainedModel],
    directory: os.PathLike,
) -> torch.nn.Module:
    """seqlab's `model` with `variables` written by interop.to_transformers, read back by
    transformers as `hf_class`, in eval mode."""
    interop.to_transformers(model, variables, str(directory))
    return hf_class.from_pretrained(directory).eval()


def logits(model: torch.nn.Module, *inputs: np.ndarray, **named: np.ndarray) -> np.ndarray:
    """model(*inputs).logits as float32 numpy, without gradients."""
    with torch.no_grad():
        args = [torch.as_tensor(x) for x in inputs]
        return model(*args, **{k: torch.as_tensor(v) for k, v in named.items()}).logits.numpy()
