"""Task registry: a task turns a batch into model inputs and model outputs into a loss and metrics.

Every task subclasses `seqlab.tasks.base.Task`, which states the interface the train loop uses
(model_kwargs, inputs, loss, predict; eval_outputs, describe, generate with defaults).
"""

import importlib

from seqlab.config import ConfigError

_TASKS = {
    'classification': 'seqlab.tasks.classification:Classification',
    'audio_classification': 'seqlab.tasks.audio_classification:AudioClassification',
    'frame_classification': 'seqlab.tasks.frame_classification:FrameClassification',
    'mask_estimation': 'seqlab.tasks.mask_estimation:MaskEstimation',
    'graph_regression': 'seqlab.tasks.regression:GraphRegression',
    'graph_multilabel': 'seqlab.tasks.graph_multilabel:GraphMultiLabel',
    'node_classification': 'seqlab.tasks.node_classification:NodeClassification',
    'causal_lm': 'seqlab.tasks.causal_lm:CausalLM',
    'masked_lm': 'seqlab.tasks.masked_lm:MaskedLM',
    'waveform_lm': 'seqlab.tasks.waveform_lm:WaveformLM',
    'forecasting': 'seqlab.tasks.forecasting:Forecasting',
    'seq2seq': 'seqlab.tasks.seq2seq:Seq2Seq',
}


def names() -> list[str]:
    return sorted(_TASKS)


def get(name: str) -> type:
    """The task class registered under `name` (a `seqlab.tasks.base.Task`)."""
    if name not in _TASKS:
        raise ConfigError(f'config.task.name={name!r} is not a task; allowed: {", ".join(names())}')
    module, attr = _TASKS[name].split(':')
    return getattr(importlib.import_module(module), attr)


def name_of(task_class: type) -> str:
    """The name `task_class` is registered under (its class name if it is not registered)."""
    path = f'{task_class.__module__}:{task_class.__qualname__}'
    return next((name for name, value in _TASKS.items() if value == path), task_class.__name__)


def generating() -> list[str]:
    """Names of the tasks that implement generate() (what --mode=generate accepts)."""
    from seqlab.tasks.base import generates

    return [name for name in names() if generates(get(name))]


def check_generates(name: str) -> None:
    """Raises ConfigError unless task `name` exists and generates."""
    from seqlab.tasks.base import generates

    if not generates(get(name)):
        raise generate_unavailable(name)


def generate_unavailable(name: str) -> ConfigError:
    """The error for --mode=generate with task `name`, which does not generate."""
    return ConfigError(
        f'--mode=generate: task {name!r} does not generate; allowed tasks: '
        f'{", ".join(generating())}'
    )
