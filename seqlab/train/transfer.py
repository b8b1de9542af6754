"""Transfer learning: a fresh run starts from parameters trained elsewhere (`config.init`).

config.init (absent or empty: train from scratch) is applied only when a run starts fresh; a
resumed run always restores its own checkpoint. Keys:
  workdir       a seqlab run directory: the source is its checkpoint `step` (0: the latest)
  step
  params        {destination prefix: source prefix} such as {'encoder': 'encoder'}: every
                parameter at `<destination prefix>/<rest>` takes the source's `<source prefix>/<rest>`;
                the two subtrees must hold the same paths with the same shapes. Absent or empty:
                the whole model, each parameter whose path and shape the source has (the others
                keep their fresh initialisation; config.init_from=<workdir> sets workdir and step)
  word_vectors  a word2vec / GloVe text file: the vectors of the tokenizer's words found in it
  embedding     replace those rows of the embedding table at this parameter path

Parameters are '/'-joined paths ('encoder/blocks/mlp/hidden/kernel'). A source of parameters has
`shapes` (path -> shape, read without the arrays) and `read(abstract)` (the arrays at some paths);
`parameter_source` picks it from the config, and any object with these two members can use the
same `params` mapping (a transformers checkpoint is loaded whole by `config.init_from`, see
seqlab.interop.finetune). Every path, shape and file is checked before anything is compiled; a
mismatch is a one-line ConfigError. One log line names every parameter left fresh, and why.
"""

import dataclasses
import filecmp
import logging
import os
from collections.abc import Callable
from typing import Any, Protocol

import jax
import ml_collections
from flax import traverse_util

from seqlab.config import ConfigError
from seqlab.data import word_vectors
from seqlab.data.text_splits import TOKENIZER_ASSET
from seqlab.data.tokenizers import load_tokenizer
from seqlab.data.types import DatasetInfo
from seqlab.train import checkpoint

log = logging.getLogger('seqlab')

KEYS = ('workdir', 'step', 'params', 'word_vectors', 'embedding')

Shapes = dict[str, tuple[int, ...]]


class Source(Protocol):
    where: str  # names the source in messages: "config.init.workdir='runs/bert' (step 400)"
    shapes: Shapes  # '/'-joined parameter path -> shape

    def read(self, abstract: dict[str, jax.ShapeDtypeStruct]) -> dict[str, jax.Array]:
        """The arrays at the paths of `abstract`, with its dtypes and shardings."""


@dataclasses.dataclass
class WorkdirSource:
    """The parameters of a seqlab run's checkpoint (`<workdir>/checkpoints/<step>`)."""

    workdir: str
    step: int
    where: str
    shapes: Shapes

    @classmethod
    def open(cls, workdir: str, step: int) -> 'WorkdirSource':
        directory = os.path.join(os.path.abspath(workdir), 'checkpoints')
        steps = checkpoint.saved_steps(directory) if os.path.isdir(directory) else []
        if not steps:
            raise ConfigError(
                f'config.init.workdir={workdir!r} holds no checkpoint ({directory} has no step); '
                'allowed: the workdir of a seqlab run that saved one'
            )
        if step and step not in steps:
            raise ConfigError(
                f'config.init.step={step} is not saved in {directory}; allowed: 0 (the latest), '
                f'{", ".join(map(str, steps))}'
            )
        step = step or steps[-1]
        shapes = {
            path.removeprefix('params/'): tuple(shape)
            for path, shape in checkpoint.saved_shapes(directory, step).items()
            if path.startswith('params/')
        }
        return cls(workdir, step, f'config.init.workdir={workdir!r} (step {step})', shapes)

    def read(self, abstract: dict[str, jax.ShapeDtypeStruct]) -> dict[str, jax.Array]:
        arrays = checkpoint.restore_arrays(
            os.path.join(os.path.abspath(self.workdir), 'checkpoints'),
            self.step,
            {f'params/{path}': leaf for path, leaf in abstract.items()},
        )
        return {path.removeprefix('params/'): array for path, array in arrays.items()}


def parameter_source(init: ml_collections.ConfigDict) -> Source | None:
    """The source `config.init.params` maps from, or None when the config names none."""
    if init.get('workdir'):
        return WorkdirSource.open(init.workdir, init.get('step', 0))
    return None


def check_keys(init: ml_collections.ConfigDict) -> None:
    unknown = sorted(set(init) - set(KEYS))
    if unknown:
        raise ConfigError(
            f'config.init.{unknown[0]} is not an init option; allowed: {", ".join(KEYS)}'
        )
    if init.get('params') and not init.get('workdir'):
        raise ConfigError(
            'config.init.params maps parameters from a source, but the config names none; '
            'allowed sources: config.init.workdir (or config.init_from=<workdir>)'
        )
    if bool(init.get('word_vectors')) != bool(init.get('embedding')):
        raise ConfigError(
            'config.init.word_vectors and config.init.embedding go together: the vectors file and '
            f'the embedding parameter path (got {init.get("word_vectors")!r}, '
            f'{init.get("embedding")!r})'
        )


def prefixes(shapes: Shapes, depth: int = 2) -> str:
    """The subtrees of `shapes` down to `depth` names ('encoder, encoder/blocks, ...')."""
    cut = {'/'.join(path.split('/')[:d]) for path in shapes for d in range(1, depth + 1)}
    return ', '.join(sorted(cut))


def subtree(shapes: Shapes, prefix: str) -> Shapes:
    """{rest: shape} of the paths `prefix` ('' for the path itself) or `prefix/rest`."""
    return {
        path.removeprefix(prefix).removeprefix('/'): shape
        for path, shape in shapes.items()
        if path == prefix or path.startswith(f'{prefix}/')
    }


def join(prefix: str, rest: str) -> str:
    return f'{prefix}/{rest}' if rest else prefix


def _shape(shapes: Shapes, path: str) -> str:
    return str(list(shapes[path])) if path in shapes else 'absent'


def matching(
    mapping: dict[str, str], destination: Shapes, source: Shapes, where: str
) -> dict[str, str]:
    """{destination path: source path} for every mapped parameter, after checking paths and
    shapes (a one-line ConfigError naming the path, both shapes and the allowed paths)."""
    pairs = {}
    for to, frm in mapping.items():
        mine, theirs = subtree(destination, to), subtree(source, frm)
        if not mine:
            raise ConfigError(
                f'config.init.params: {to!r} is not a parameter subtree of this model; '
                f'allowed: {prefixes(destination)}'
            )
        if not theirs:
            raise ConfigError(
                f'config.init.params.{to}={frm!r} is not a parameter subtree of {where}; '
                f'allowed: {prefixes(source)}'
            )
        for rest in sorted(set(mine) | set(theirs)):
            if mine.get(rest) != theirs.get(rest):
                raise ConfigError(
                    f'config.init.params.{to}={frm!r}: {join(to, rest)} has shape '
                    f'{_shape(mine, rest)} in this model and {join(frm, rest)} has '
                    f'{_shape(theirs, rest)} in {where}; allowed (this model / source): '
                    f'{prefixes(destination)} / {prefixes(source)}'
                )
            pairs[join(to, rest)] = join(frm, rest)
    return pairs


def whole_model(destination: Shapes, source: Shapes, where: str) -> dict[str, str]:
    """{path: path} for every parameter of this model whose path and shape `source` has."""
    pairs = {path: path for path, shape in destination.items() if source.get(path) == shape}
    if not pairs:
        raise ConfigError(
            f'{where} has no parameter of this model (same path and shape); its parameters: '
            f'{prefixes(source)}; this model: {prefixes(destination)}'
        )
    return pairs


def left_fresh(pairs: dict[str, str], destination: Shapes, source: Shapes) -> list[str]:
    """'<path> (why)' for each parameter of this model that `pairs` does not load."""
    reasons = []
    for path in sorted(set(destination) - set(pairs)):
        if path not in source:
            reasons.append(f'{path} (not in the source)')
        elif source[path] != destination[path]:
            reasons.append(f'{path} ({list(source[path])} there, {list(destination[path])} here)')
        else:
            reasons.append(f'{path} (not mapped)')
    return reasons


def warn_if_assets_differ(workdir: str, info: DatasetInfo) -> None:
    """Parameters indexed by a tokenizer mean other tokens under another tokenizer."""
    for name, path in info.assets.items():
        theirs = os.path.join(workdir, 'assets', name)
        if os.path.exists(theirs) and not filecmp.cmp(theirs, path, shallow=False):
            log.warning(
                'config.init.workdir=%r was trained with another %s than this run (%s): '
                'transferred embeddings index other tokens',
                workdir,
                name,
                path,
            )


def word_vector_rows(
    init: ml_collections.ConfigDict, destination: Shapes, info: DatasetInfo
) -> tuple[Any, Any]:
    """(ids, vectors [n, D]) of the tokenizer's words found in init.word_vectors, checked against
    the embedding table at init.embedding ([vocab_size >= tokenizer ids, D])."""
    if TOKENIZER_ASSET not in info.assets:
        raise ConfigError(
            f'config.init.word_vectors needs a tokenizer, and dataset {info.name!r} has none; '
            'allowed: text datasets'
        )
    if init.embedding not in destination:
        raise ConfigError(
            f'config.init.embedding={init.embedding!r} is not a parameter of this model; '
            f'allowed: {", ".join(p for p, s in destination.items() if len(s) == 2)}'
        )
    tokenizer = load_tokenizer(info.assets[TOKENIZER_ASSET])
    try:
        ids, vectors, coverage = word_vectors.rows_for(tokenizer, init.word_vectors)
    except (ConfigError, OSError) as error:
        raise ConfigError(f'config.init.word_vectors={init.word_vectors!r}: {error}') from None
    table = destination[init.embedding]
    if len(table) != 2 or table[0] < tokenizer.vocab_size or table[1] != vectors.shape[1]:
        raise ConfigError(
            f'config.init.embedding={init.embedding!r} has shape {list(table)}; the vectors need '
            f'[>= {tokenizer.vocab_size}, {vectors.shape[1]}] (vocabulary, vector size)'
        )
    log.info(
        'word vectors %s: %d of the tokenizer words found (%.1f%%)',
        init.word_vectors,
        len(ids),
        100 * coverage,
    )
    return ids, vectors


def initialize(
    init: ml_collections.ConfigDict | None,
    abstract_state: Any,
    create: Callable[[], Any],
    info: DatasetInfo,
) -> Any:
    """`create()` (a fresh TrainState), its parameters overwritten as `init` says.

    Paths, shapes and files are checked against `abstract_state` before `create` compiles.
    """
    if not init:
        return create()
    check_keys(init)
    destination = {
        path: tuple(leaf.shape)
        for path, leaf in traverse_util.flatten_dict(abstract_state.params, sep='/').items()
    }
    source, pairs = parameter_source(init), {}
    if source and init.get('params'):
        pairs = matching(init.params, destination, source.shapes, source.where)
    elif source:
        pairs = whole_model(destination, source.shapes, source.where)
    if isinstance(source, WorkdirSource):
        warn_if_assets_differ(source.workdir, info)
    rows = word_vector_rows(init, destination, info) if init.get('word_vectors') else None
    state = create()
    params = traverse_util.flatten_dict(state.params, sep='/')
    if pairs:
        abstract = {frm: _abstract(params[to]) for to, frm in pairs.items()}
        arrays = source.read(abstract)
        params.update({to: arrays[frm] for to, frm in pairs.items()})
        log.info('initialised %d parameters from %s', len(pairs), source.where)
        fresh = left_fresh(pairs, destination, source.shapes)
        if fresh:
            log.info('re-initialised (not from %s): %s', source.where, ', '.join(fresh))
        unused = sorted(set(source.shapes) - set(pairs.values()))
        if unused:
            log.info('parameters of %s this run does not use: %s', source.where, ', '.join(unused))
    if rows is not None:
        ids, vectors = rows
        table = params[init.embedding]
        params[init.embedding] = jax.device_put(
            table.at[ids].set(vectors.astype(table.dtype)), table.sharding
        )
    return state.replace(params=traverse_util.unflatten_dict(params, sep='/'))


def _abstract(leaf: jax.Array) -> jax.ShapeDtypeStruct:
    return jax.ShapeDtypeStruct(leaf.shape, leaf.dtype, sharding=leaf.sharding)
