"""Tiny random transformers models for the interop tests (built locally: no downloads)."""

import numpy as np
import torch


def perturbed(model: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """`model` in eval mode with every parameter moved by N(0, 0.1^2), so that a forgotten bias
    or LayerNorm (zeros and ones at initialisation) changes the logits."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(0.1 * torch.randn(parameter.shape, generator=generator))
    return model.eval()


def logits(model: torch.nn.Module, *inputs: np.ndarray, **named: np.ndarray) -> np.ndarray:
    """model(*inputs).logits as float32 numpy, without gradients."""
    with torch.no_grad():
        args = [torch.as_tensor(x) for x in inputs]
        return model(*args, **{k: torch.as_tensor(v) for k, v in named.items()}).logits.numpy()
