"""First-layer convolution filters of a trained network (the AlexNet figure), 2-D or 1-D.

2-D kernels [kh, kw, C_in, C_out]: each filter as an image (RGB for 3 input channels, grey for 1,
the L2 norm over channels otherwise). 1-D kernels [k, C_in, C_out]: each filter as a waveform when
C_in = 1 (a raw-waveform front end), as a [C_in, k] image otherwise.
"""

import math
from typing import Any

import flax.linen as nn
import numpy as np

from seqlab.figures.common import figure, pixels, save

COLS = 8
PANEL = (1.2, 1.2)
MAX_FILTERS = 64


def first_conv_kernel(model: Any, params: Any, inputs: tuple) -> tuple[str, np.ndarray]:
    """(module path, kernel) of the first module called on `inputs` that owns a conv kernel
    (a 'kernel' parameter with 3 or more axes); ValueError if none does."""
    found: list[tuple[str, np.ndarray]] = []

    def record(next_fun, args, kwargs, context):
        kernel = context.module.variables.get('params', {}).get('kernel')
        if not found and context.method_name == '__call__' and getattr(kernel, 'ndim', 0) >= 3:
            found.append(('/'.join(context.module.path), np.asarray(kernel, np.float32)))
        return next_fun(*args, **kwargs)

    with nn.intercept_methods(record):
        model.apply({'params': params}, *inputs, train=False)
    if not found:
        raise ValueError(f'{type(model).__name__} has no convolution')
    return found[0]


def grid(kernel_shape: tuple[int, ...]) -> tuple[int, int]:
    """(rows, cols) of panels for a kernel of this shape."""
    count = min(kernel_shape[-1], MAX_FILTERS)
    cols = min(COLS, count)
    return math.ceil(count / cols), cols


def size(kernel_shape: tuple[int, ...]) -> tuple[int, int]:
    return pixels(*grid(kernel_shape), PANEL)


def plot_filters(kernel: np.ndarray, path: str, title: str = '') -> str:
    """kernel [kh, kw, C_in, C_out] or [k, C_in, C_out]; the first MAX_FILTERS filters."""
    if kernel.ndim not in (3, 4):
        raise ValueError(f'kernel of shape {kernel.shape}: expected [k, C_in, C_out] or 4-D')
    fig = figure(*grid(kernel.shape), PANEL)
    for index, ax in enumerate(fig.axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if index >= min(kernel.shape[-1], MAX_FILTERS):
            ax.set_visible(False)
            continue
        weights = kernel[..., index]
        if kernel.ndim == 3 and weights.shape[1] == 1:
            ax.plot(weights[:, 0], linewidth=0.8)
        else:
            ax.imshow(_image(weights), cmap='gray', aspect='auto', interpolation='nearest')
    if title:
        fig.suptitle(title, fontsize='small')
    return save(fig, path)


def _image(weights: np.ndarray) -> np.ndarray:
    """One filter as an image scaled to [0, 1]: [kh, kw, C_in] -> RGB/grey; [k, C_in] -> [C_in, k]."""
    if weights.ndim == 2:
        image = weights.T
    elif weights.shape[-1] == 3:
        image = weights
    elif weights.shape[-1] == 1:
        image = weights[..., 0]
    else:
        image = np.linalg.norm(weights, axis=-1)
    low, high = image.min(), image.max()
    return (image - low) / (high - low) if high > low else np.zeros_like(image)
