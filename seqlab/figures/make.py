"""`launch.py --mode=figures`: every figure a run (or a sweep) can make, written to <workdir>/figures/.

Each figure function takes the run's `Artifacts` and raises `Unavailable` with the reason when
the run cannot make it (no checkpoint, no attention layer, no per-frame head, ...); that figure is
skipped with a log line. Checkpoint figures restore the parameters through the train loop's
restore path.
"""

import functools
import glob
import logging
import os
from collections.abc import Callable
from typing import Any

import jax
import ml_collections
import numpy as np

from seqlab import models
from seqlab.config import ConfigError
from seqlab.figures import attention, curves, filters, position, receptive_field, spectrogram
from seqlab.layers import conv
from seqlab.tasks.audio_task import LogMelTask
from seqlab.train import loop, metrics_log, prefetch

log = logging.getLogger('seqlab')


class Unavailable(Exception):
    """This run cannot make this figure; the message says why."""


class Artifacts:
    """What figures are made from: a run's metrics, checkpoint and first eval example, each read
    on first use."""

    def __init__(self, config: ml_collections.ConfigDict, workdir: str, step: int | None = None):
        self.config, self.workdir, self.step = config, workdir, step
        self.directory = os.path.join(workdir, 'figures')

    @functools.cached_property
    def trials(self) -> list[str]:
        """Trial workdirs when `workdir` is a sweep directory (<workdir>/trials/<n>), in order."""
        found = glob.glob(os.path.join(self.workdir, 'trials', '*', 'metrics.jsonl'))
        paths = [os.path.dirname(p) for p in found]
        return sorted(
            paths, key=lambda p: int(os.path.basename(p)) if os.path.basename(p).isdigit() else -1
        )

    @functools.cached_property
    def run(self) -> loop.Run:
        if self.trials:
            raise Unavailable(
                'a sweep directory; give --workdir=<sweep>/trials/<n> for this figure'
            )
        checkpoints = os.path.join(self.workdir, 'checkpoints')
        if not os.path.isdir(checkpoints):
            raise Unavailable(f'no checkpoint in {checkpoints}')
        run = loop.Run(self.config, self.workdir, mode='eval')
        if run.checkpointer().latest_step() is None:
            raise Unavailable(f'no checkpoint in {checkpoints}')
        return run

    @functools.cached_property
    def params(self) -> Any:
        return self.run.restore_params(self.step)[0]

    @functools.cached_property
    def example(self) -> dict:
        """The first eval example, as a batch of one."""
        return jax.tree.map(lambda x: x[:1], self.run.plan.splits.eval[0])

    @property
    def model(self) -> Any:
        return self.run.plan.model

    @functools.cached_property
    def inputs(self) -> tuple:
        return self.run.plan.task.inputs(prefetch.decode(self.example))

    def path(self, name: str) -> str:
        return os.path.join(self.directory, f'{name}.png')


def training_curves(artifacts: Artifacts) -> str:
    """Curves of the run, or of every trial of a sweep."""
    if artifacts.trials:
        runs = {f'trial {os.path.basename(t)}': metrics_log.read(t) for t in artifacts.trials}
    elif os.path.exists(os.path.join(artifacts.workdir, 'metrics.jsonl')):
        runs = {
            os.path.basename(os.path.normpath(artifacts.workdir)): metrics_log.read(
                artifacts.workdir
            )
        }
    else:
        raise Unavailable(f'no metrics.jsonl in {artifacts.workdir}')
    return curves.plot_curves(runs, artifacts.path('curves'))


def attention_maps(artifacts: Artifacts) -> str:
    layers = attention.attention_weights(artifacts.model, artifacts.params, artifacts.inputs)
    if not layers:
        raise Unavailable(f'model {artifacts.config.model.name!r} has no attention layer')
    return attention.plot_attention(layers, artifacts.path('attention'))


def positional_encoding(artifacts: Artifacts) -> str:
    """The encoding of a model with `position='sinusoidal'`, over its max_length and width."""
    model_class = models.get(artifacts.config.model.name)
    kwargs = artifacts.config.model.kwargs
    position_kind, width, length = (
        kwargs.get(name, getattr(model_class, name, None))
        for name in ('position', 'width', 'max_length')
    )
    if position_kind != 'sinusoidal':
        raise Unavailable(f'model {artifacts.config.model.name!r} has no sinusoidal positions')
    return position.plot_positional_encoding(length, width, artifacts.path('positions'))


def first_filters(artifacts: Artifacts) -> str:
    try:
        name, kernel = filters.first_conv_kernel(
            artifacts.model, artifacts.params, artifacts.inputs
        )
    except ValueError as error:
        raise Unavailable(str(error)) from None
    return filters.plot_filters(kernel, artifacts.path('filters'), f'first convolution: {name}')


def frame_predictions(artifacts: Artifacts) -> str:
    task = artifacts.run.plan.task
    if not isinstance(task, LogMelTask):
        raise Unavailable(f'task {artifacts.config.task.name!r} has no spectrogram front end')
    (log_mel,) = artifacts.inputs
    logits = np.asarray(artifacts.model.apply({'params': artifacts.params}, log_mel, train=False))
    if logits.ndim != 3 or logits.shape[1] != log_mel.shape[-1]:
        raise Unavailable(f'model outputs {logits.shape} are not per-frame predictions')
    probabilities = np.asarray(jax.nn.softmax(logits[0], axis=-1))
    names = artifacts.run.plan.splits.info.extras.get('class_names')
    names = [*names, 'non-speech'] if names else None
    label = int(artifacts.example['label'][0]) if 'label' in artifacts.example else None
    title = f'log-mel spectrogram (label: {names[label]})' if names and label is not None else ''
    return spectrogram.plot_frame_predictions(
        np.asarray(log_mel[0]), probabilities, artifacts.path('frames'), names, title
    )


def dilated_receptive_field(artifacts: Artifacts) -> str:
    model = artifacts.model
    if not isinstance(model, receptive_field.DilatedStack):
        raise Unavailable(f'model {artifacts.config.model.name!r} has no dilated stack')
    field = conv.dilated_receptive_field(model.kernel_size, model.dilations)
    if model.receptive_field != field:
        raise Unavailable('the dilated stack does not read the input directly (strides or pooling)')
    signal = np.asarray(artifacts.inputs[0][0], np.float32)
    return receptive_field.plot_receptive_field(
        model.kernel_size, list(model.dilations), signal, artifacts.path('receptive_field')
    )


FIGURES: dict[str, Callable[[Artifacts], str]] = {
    'curves': training_curves,
    'attention': attention_maps,
    'positions': positional_encoding,
    'filters': first_filters,
    'frames': frame_predictions,
    'receptive_field': dilated_receptive_field,
}


def make(config: ml_collections.ConfigDict, workdir: str, step: int | None = None) -> list[str]:
    """Write every figure this run can make; returns their paths."""
    if not os.path.isdir(workdir):
        raise ConfigError(f'--workdir={workdir!r} is not a directory; allowed: a run or a sweep')
    artifacts = Artifacts(config, workdir, step)
    written = []
    for name, draw in FIGURES.items():
        try:
            written.append(draw(artifacts))
            log.info('figure %s: %s', name, written[-1])
        except Unavailable as reason:
            log.info('figure %s skipped: %s', name, reason)
    return written
