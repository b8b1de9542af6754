"""Training and eval curves from metrics.jsonl: one panel per metric, one line per run (or trial)."""

import math

from seqlab.figures.common import figure, pixels, save

COLS = 3


def metric_names(runs: dict[str, list[dict]]) -> list[str]:
    """Every metric recorded by any run: train/* first, then eval/*, each sorted."""
    names = {name for records in runs.values() for r in records for name in r if name != 'step'}
    return sorted(names, key=lambda name: (not name.startswith('train/'), name))


def grid(num_metrics: int) -> tuple[int, int]:
    """(rows, cols) of panels for `num_metrics` metrics."""
    cols = min(COLS, max(num_metrics, 1))
    return math.ceil(max(num_metrics, 1) / cols), cols


def size(num_metrics: int) -> tuple[int, int]:
    """Pixel size of the curves figure of `num_metrics` metrics."""
    return pixels(*grid(num_metrics))


def plot_curves(runs: dict[str, list[dict]], path: str) -> str:
    """runs: label -> metric records. Writes the PNG and returns its path."""
    names = metric_names(runs)
    if not names:
        raise ValueError(f'no metrics to plot in runs {", ".join(runs) or "(none)"}')
    fig = figure(*grid(len(names)))
    for ax, name in zip(fig.axes, names, strict=False):
        for label, records in runs.items():
            points = [(r['step'], r[name]) for r in records if name in r]
            if points:
                steps, values = zip(*points, strict=True)
                ax.plot(steps, values, label=label, marker='.' if len(points) < 20 else None)
        ax.set_title(name)
        ax.set_xlabel('step')
    for ax in fig.axes[len(names) :]:
        ax.set_visible(False)
    if len(runs) > 1:
        fig.axes[0].legend(fontsize='x-small')
    return save(fig, path)
