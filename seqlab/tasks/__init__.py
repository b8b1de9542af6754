"""Task registry: a task turns a batch into model inputs and model outputs into a loss and metrics.

Interface (the train loop knows nothing else):
  task.model_kwargs(info) -> dict          # what the model needs from the data (num_classes, vocab, ...)
  task.inputs(batch) -> tuple              # positional model inputs
  task.loss(outputs, batch) -> (loss, metrics)   # metrics: name -> (sum, count) for exact averaging
  task.predict(outputs) -> dict            # per-example predictions written by --mode=predict
  task.eval_outputs(model, params, batch) -> outputs   # optional: what the eval step passes to
      loss instead of model.apply(params, *inputs(batch)) (e.g. logits plus a decoding)
  task.describe(model) -> str              # optional: logged at start-up (e.g. receptive field)
  task.generate(model, params, options, info, directory) -> str   # optional: --mode=generate
      samples from trained params with the options in config.generate, writes files into
      `directory` and returns what it wrote (a path)
"""

import importlib

from seqlab.config import ConfigError

_TASKS = {
    'classification': 'seqlab.tasks.classification:Classification',
    'audio_classification': 'seqlab.tasks.audio_classification:AudioClassification',
    'frame_classification': 'seqlab.tasks.frame_classification:FrameClassification',
    'mask_estimation': 'seqlab.tasks.mask_estimation:MaskEstimation',
    'graph_regression': 'seqlab.tasks.regression:GraphRegression',
    'node_classification': 'seqlab.tasks.node_classification:NodeClassification',
    'causal_lm': 'seqlab.tasks.causal_lm:CausalLM',
    'masked_lm': 'seqlab.tasks.masked_lm:MaskedLM',
    'waveform_lm': 'seqlab.tasks.waveform_lm:WaveformLM',
    'forecasting': 'seqlab.tasks.forecasting:Forecasting',
    'seq2seq': 'seqlab.tasks.seq2seq:Seq2Seq',
}


def names() -> list[str]:
    return sorted(_TASKS)


def get(name: str):
    """The task class registered under `name`."""
    if name not in _TASKS:
        raise ConfigError(f'config.task.name={name!r} is not a task; allowed: {", ".join(names())}')
    module, attr = _TASKS[name].split(':')
    return getattr(importlib.import_module(module), attr)


def generating() -> list[str]:
    """Names of the tasks that implement generate() (what --mode=generate accepts)."""
    return [name for name in names() if hasattr(get(name), 'generate')]
