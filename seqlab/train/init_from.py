"""`config.init_from`: the checkpoint a fresh run starts from, resolved when the config is loaded.

  ''                   random initialisation
  'hf:<dir>'           a transformers checkpoint (seqlab.interop.finetune): model fields from its
                       config.json; a tokenizer.json next to it tokenizes the text
  '<workdir>'          a seqlab run: its latest checkpoint; '<workdir>@<step>' that kept step,
                       '<workdir>@best' its best by its config.checkpoint.best_metric

A workdir is shorthand for config.init.workdir and config.init.step, so one loader reads it
(seqlab.train.transfer): without config.init.params every parameter whose path and shape match is
loaded and the others are re-initialised, each named in a log line; with them (configs/bert.py's
fine-tuning maps embeddings and encoder) only those subtrees are. The run's model must be the
source run's: a model field (config.model.kwargs) that differs from the source's config.json is a
one-line ConfigError naming the key and both values, except fields that change no parameter's
meaning (FREE). init_from replaces a source that the config file put in config.init; naming one on
the command line as well is an error. Like config.init, it applies only when a run starts fresh.
"""

import json
import os

import ml_collections

from seqlab.config import ConfigError
from seqlab.interop import finetune
from seqlab.train import checkpoint, metrics_log

SOURCE_KEYS = ('workdir', 'step', 'params')  # the part of config.init that names a source
FREE = ('dropout', 'attention_dropout', 'dtype', 'remat', 'num_classes')  # may differ from source


def configure(config: ml_collections.ConfigDict, overrides: dict[str, str]) -> None:
    """Resolve config.init_from into config (see the module docstring); `overrides` are the
    command line's `--config.key=value` pairs."""
    spec = config.get('init_from', '')
    if not spec:
        return
    named = sorted(f'--config.init.{key}' for key in SOURCE_KEYS if f'init.{key}' in overrides)
    if named:
        raise ConfigError(
            f'--config.init_from={spec} and {named[0]} both name a source; allowed: one of them'
        )
    if spec.startswith(finetune.PREFIX):
        _drop_source(config)
        finetune.configure(config, overrides)
        return
    workdir, step = parse(spec)
    check_model(config, spec, read_config(spec, workdir))
    if step == 'best':
        step = best_step(spec, workdir)
    init = config.get('init') or ml_collections.ConfigDict()
    init.workdir, init.step = workdir, step
    config.init = init


def check_resolved(config: ml_collections.ConfigDict) -> None:
    """A workdir in config.init_from must have been resolved into config.init by `configure`
    (launcher.load_config does it), else the run would silently start from scratch."""
    spec = config.get('init_from', '')
    if not spec or spec.startswith(finetune.PREFIX):
        return
    if (config.get('init') or {}).get('workdir') != parse(spec)[0]:
        raise ConfigError(
            f'config.init_from={spec!r} was not resolved into config.init; allowed: a config '
            'from seqlab.launcher.load_config (or seqlab.train.init_from.configure)'
        )


def parse(spec: str) -> tuple[str, int | str]:
    """'runs/bert' -> ('runs/bert', 0: the latest); 'runs/bert@400' -> 400; '@best' -> 'best'."""
    workdir, at, step = spec.rpartition('@') if '@' in spec else (spec, '', '')
    if at and step != 'best' and not (step.isdigit() and int(step) > 0):
        raise ConfigError(
            f'config.init_from={spec!r}: {step!r} is not a step; allowed: '
            f"'{workdir}', '{workdir}@<step>' (a positive int), '{workdir}@best'"
        )
    return workdir, int(step) if step.isdigit() else (step or 0)


def read_config(spec: str, workdir: str) -> ml_collections.ConfigDict:
    """The source run's resolved config (<workdir>/config.json)."""
    path = os.path.join(workdir, 'config.json')
    if not os.path.isfile(path):
        raise ConfigError(
            f'config.init_from={spec!r} is neither a transformers checkpoint nor a seqlab run '
            f"({path} does not exist); allowed: '' (random), '{finetune.PREFIX}<dir>', "
            "'<workdir>', '<workdir>@<step>', '<workdir>@best'"
        )
    with open(path) as f:
        return ml_collections.ConfigDict(json.load(f))


def check_model(
    config: ml_collections.ConfigDict, spec: str, source: ml_collections.ConfigDict
) -> None:
    """The model name and every model field both configs set, FREE ones aside, are equal."""
    if config.model.name != source.model.name:
        raise ConfigError(
            f'config.model.name={config.model.name!r} contradicts config.init_from={spec!r} '
            f'(model {source.model.name!r}); allowed: {source.model.name!r}'
        )
    ours = json.loads(config.model.kwargs.to_json())  # as config.json holds it: tuples are lists
    theirs = source.model.kwargs
    for key in sorted(set(ours) & set(theirs) - set(FREE)):
        if ours[key] != theirs[key]:
            raise ConfigError(
                f'config.model.kwargs.{key}={ours[key]!r} contradicts config.init_from={spec!r} '
                f'({key}={theirs[key]!r}); allowed: {theirs[key]!r}'
            )


def best_step(spec: str, workdir: str) -> int:
    """The kept step of `workdir` with the best value of its own config.checkpoint.best_metric."""
    ckpt = read_config(spec, workdir).checkpoint
    steps = checkpoint.saved_steps(os.path.join(workdir, 'checkpoints'))
    step = metrics_log.best_step(workdir, ckpt.best_metric, ckpt.best_mode, steps)
    if step is None:
        raise ConfigError(
            f'config.init_from={spec!r}: no kept step of {workdir} has {ckpt.best_metric!r} in '
            f"metrics.jsonl; allowed: '{workdir}@<step>' with one of {steps}"
        )
    return step


def _drop_source(config: ml_collections.ConfigDict) -> None:
    """A transformers checkpoint is the only source: the config file's config.init source goes."""
    if config.get('init'):
        config.init = ml_collections.ConfigDict(
            {key: value for key, value in config.init.items() if key not in SOURCE_KEYS}
        )
