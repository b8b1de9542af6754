"""`config.init`: the trained weights a fresh run starts from.

  source        ''                  random initialisation (the default)
                '<workdir>'         a seqlab run: its latest checkpoint
                '<workdir>@<step>'  that kept step; '<workdir>@best' its best by the source run's
                                    own config.checkpoint.best_metric
                'hf:<dir>'          a transformers checkpoint (seqlab.interop.finetune): model
                                    fields from its config.json, a tokenizer.json next to it
                                    tokenizes the text; loaded whole, heads adapted or re-initialised
  params        {destination subtree: source subtree} such as {'encoder': 'encoder'}, for a seqlab
                run: only those subtrees are loaded (seqlab.train.transfer.matching). Empty: every
                parameter whose path and shape the source has; the others keep their fresh
                initialisation. A transformers checkpoint is always loaded whole.
  word_vectors  a word2vec / GloVe text file: the rows of the tokenizer's words found in it ...
  embedding     ... replace those rows of the embedding table at this parameter path

Two entry points. `resolve(config, overrides)` runs when the config is loaded, before anything is
compiled: it checks the source and returns what `apply` needs (an `Init`), raising a one-line
ConfigError naming the bad value and what is allowed. A seqlab run's model must be the source's:
a model field that differs from the source's config.json is an error, except fields that change no
parameter's meaning (FREE). A transformers checkpoint sets config.model.kwargs (and the text's
tokenizer) from its files. `apply(init, state, ...)` then gives a freshly initialised TrainState
the transferred parameters, at step 0 with a fresh optimizer state; one log line names every
parameter left fresh and why. Only a run that starts fresh applies it: a workdir holding
checkpoints resumes from its own. The launcher resolves when it loads the config (bad values fail
before anything runs); loop.Run resolves again when it builds a fresh state, so that the config it
holds is the one applied.
"""

import dataclasses
import json
import os
from collections.abc import Mapping
from typing import Any

import jax
import ml_collections
from flax import linen as nn
from flax import traverse_util

from seqlab.config import ConfigError
from seqlab.data.types import DatasetInfo
from seqlab.train import checkpoint, metrics_log, transfer

KEYS = ('source', 'params', 'word_vectors', 'embedding')
FREE = ('dropout', 'attention_dropout', 'dtype', 'remat', 'num_classes')  # may differ from source
HF_PREFIX = 'hf:'  # config.init.source of a transformers checkpoint (seqlab.interop.finetune)
SOURCES = f"'' (random), '{HF_PREFIX}<dir>', '<workdir>', '<workdir>@<step>', '<workdir>@best'"


def default_config() -> ml_collections.ConfigDict:
    """config.init of a run that starts from random weights."""
    return ml_collections.ConfigDict(dict(source='', params={}, word_vectors='', embedding=''))


@dataclasses.dataclass(frozen=True)
class Init:
    """What a fresh run loads: at most one source of parameters, and word vectors."""

    run: transfer.WorkdirSource | None = None  # a seqlab run's checkpoint
    params: dict[str, str] = dataclasses.field(default_factory=dict)  # subtrees of `run`
    hf_dir: str | None = None  # a transformers checkpoint directory
    word_vectors: str = ''
    embedding: str = ''


def resolve(
    config: ml_collections.ConfigDict,
    overrides: Mapping[str, str] | None = None,
    fresh: bool = True,
) -> Init | None:
    """Check config.init (see the module docstring) and return what `apply` loads; None when
    nothing. `overrides` are the command line's `--config.key=value` pairs: one that contradicts
    a transformers checkpoint is an error. With `fresh` False (the run resumes or only reads its
    own checkpoints) a seqlab run source is checked for syntax only, its files never read."""
    init = config.get('init') or default_config()
    unknown = sorted(set(init) - set(KEYS))
    if unknown:
        raise ConfigError(
            f'config.init.{unknown[0]} is not an init option; allowed: {", ".join(KEYS)}'
        )
    source, params = init.get('source', ''), dict(init.get('params') or {})
    word_vectors, embedding = init.get('word_vectors', ''), init.get('embedding', '')
    if bool(word_vectors) != bool(embedding):
        raise ConfigError(
            'config.init.word_vectors and config.init.embedding go together: the vectors file and '
            f'the embedding parameter path (got {word_vectors!r}, {embedding!r})'
        )
    if source.startswith(HF_PREFIX):
        from seqlab.interop import finetune  # imported for transformers checkpoints only

        path = source[len(HF_PREFIX) :]
        finetune.set_model_fields(config, overrides or {}, path)
        return Init(hf_dir=path, word_vectors=word_vectors, embedding=embedding) if fresh else None
    if params and not source:
        raise ConfigError(
            'config.init.params maps parameters from a source, but config.init.source names '
            "none; allowed: '<workdir>', '<workdir>@<step>', '<workdir>@best'"
        )
    workdir, step = parse(source) if source else ('', 0)
    if not fresh or not (source or word_vectors):
        return None
    run = None
    if source:
        check_model(config, source, read_config(source, workdir))
        if step == 'best':
            step = best_step(source, workdir)
        run = transfer.WorkdirSource.open(source, workdir, step)
    return Init(run=run, params=params, word_vectors=word_vectors, embedding=embedding)


def parse(source: str) -> tuple[str, int | str]:
    """'runs/bert' -> ('runs/bert', 0: the latest); 'runs/bert@400' -> 400; '@best' -> 'best'."""
    workdir, at, step = source.rpartition('@') if '@' in source else (source, '', '')
    if at and step != 'best' and not (step.isdigit() and int(step) > 0):
        raise ConfigError(
            f'config.init.source={source!r}: {step!r} is not a step; allowed: '
            f"'{workdir}', '{workdir}@<step>' (a positive int), '{workdir}@best'"
        )
    return workdir, int(step) if step.isdigit() else (step or 0)


def read_config(source: str, workdir: str) -> ml_collections.ConfigDict:
    """The source run's resolved config (<workdir>/config.json)."""
    path = os.path.join(workdir, 'config.json')
    if not os.path.isfile(path):
        raise ConfigError(
            f'config.init.source={source!r} is neither a transformers checkpoint nor a seqlab run '
            f'({path} does not exist); allowed: {SOURCES}'
        )
    with open(path) as f:
        return ml_collections.ConfigDict(json.load(f))


def check_model(
    config: ml_collections.ConfigDict, source: str, theirs: ml_collections.ConfigDict
) -> None:
    """The model name and every model field both configs set, FREE ones aside, are equal."""
    if config.model.name != theirs.model.name:
        raise ConfigError(
            f'config.model.name={config.model.name!r} contradicts config.init.source={source!r} '
            f'(model {theirs.model.name!r}); allowed: {theirs.model.name!r}'
        )
    ours = json.loads(config.model.kwargs.to_json())  # as config.json holds it: tuples are lists
    for key in sorted(set(ours) & set(theirs.model.kwargs) - set(FREE)):
        if ours[key] != theirs.model.kwargs[key]:
            raise ConfigError(
                f'config.model.kwargs.{key}={ours[key]!r} contradicts config.init.source='
                f'{source!r} ({key}={theirs.model.kwargs[key]!r}); allowed: '
                f'{theirs.model.kwargs[key]!r}'
            )


def best_step(source: str, workdir: str) -> int:
    """The kept step of `workdir` with the best value of its own config.checkpoint.best_metric."""
    ckpt = read_config(source, workdir).checkpoint
    directory = os.path.join(workdir, 'checkpoints')
    steps = checkpoint.saved_steps(directory) if os.path.isdir(directory) else []
    step = metrics_log.best_step(workdir, ckpt.best_metric, ckpt.best_mode, steps)
    if step is None:
        raise ConfigError(
            f'config.init.source={source!r}: no kept step of {workdir} has {ckpt.best_metric!r} '
            f"in metrics.jsonl; allowed: '{workdir}@<step>' with one of {steps}"
        )
    return step


def apply(
    init: Init | None,
    state: Any,
    *,
    model: nn.Module,
    sample_inputs: tuple,
    tx: Any,
    shardings: Any,
    info: DatasetInfo,
) -> Any:
    """The fresh TrainState `state` with the parameters `init` names; `state` itself for None.

    `model`, `sample_inputs`, `tx` and `shardings` are the run's (a transformers checkpoint is
    adapted to the model, and its optimizer state made anew); `info` names the run's tokenizer.
    """
    if init is None:
        return state
    destination = {
        path: tuple(leaf.shape)
        for path, leaf in traverse_util.flatten_dict(state.params, sep='/').items()
    }
    pairs = transfer.paths_to_load(init.run, init.params, destination, info) if init.run else {}
    rows = None
    if init.word_vectors:
        rows = transfer.word_vector_rows(init.word_vectors, init.embedding, destination, info)
    if init.hf_dir is not None:
        from seqlab.interop import finetune  # imported for transformers checkpoints only

        state = finetune.start(init.hf_dir, state, model, sample_inputs, tx, shardings)
    params = traverse_util.flatten_dict(state.params, sep='/')
    if pairs:
        transfer.copy(init.run, pairs, params, destination)
    if rows is not None:
        ids, vectors = rows
        table = params[init.embedding]
        params[init.embedding] = jax.device_put(
            table.at[ids].set(vectors.astype(table.dtype)), table.sharding
        )
    return state.replace(params=traverse_util.unflatten_dict(params, sep='/'))
