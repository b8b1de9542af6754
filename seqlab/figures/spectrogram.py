"""A log-mel spectrogram with the model's per-frame predictions under it, on one time axis."""

import numpy as np

from seqlab.figures.common import figure, pixels, save

PANEL = (8.0, 2.5)


def size() -> tuple[int, int]:
    return pixels(2, 1, PANEL)


def plot_frame_predictions(
    log_mel: np.ndarray,
    probabilities: np.ndarray,
    path: str,
    class_names: list[str] | None = None,
    title: str = '',
) -> str:
    """log_mel [bands, frames]; probabilities [frames, classes] (rows sum to 1).

    Top: the spectrogram (low bands at the bottom). Bottom: p(class | frame) as an image, with the
    predicted class of each frame marked.
    """
    bands, frames = log_mel.shape
    if probabilities.shape[0] != frames:
        raise ValueError(f'{probabilities.shape[0]} frames of predictions for {frames} frames')
    fig = figure(2, 1, PANEL)
    top, bottom = fig.axes
    top.imshow(log_mel, origin='lower', aspect='auto', cmap='magma', interpolation='nearest')
    top.set(title=title or 'log-mel spectrogram', ylabel='mel band', xlim=(-0.5, frames - 0.5))
    classes = probabilities.shape[1]
    bottom.imshow(probabilities.T, origin='lower', aspect='auto', cmap='Greys', vmin=0, vmax=1)
    bottom.plot(np.arange(frames), probabilities.argmax(-1), '.', color='tab:red', markersize=3)
    bottom.set(xlabel='frame', ylabel='class', xlim=(-0.5, frames - 0.5))
    if class_names and len(class_names) == classes and classes <= 24:
        bottom.set_yticks(range(classes), class_names, fontsize='xx-small')
    return save(fig, path)
