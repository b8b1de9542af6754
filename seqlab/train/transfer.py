"""Parameters from elsewhere into a fresh model's parameter tree (config.init, seqlab.train.init).

A seqlab run's checkpoint (`WorkdirSource`) gives its `shapes` (path -> shape, read without the
arrays) and `read(abstract)` (the arrays at some paths). `paths_to_load` maps this model's parameters to
the source's: a `params` mapping {destination prefix: source prefix} such as {'encoder': 'encoder'}
(every parameter at `<destination prefix>/<rest>` takes the source's `<source prefix>/<rest>`; the
two subtrees must hold the same paths with the same shapes), or, without one, every parameter whose
path and shape the source has. `copy` reads them. `word_vector_rows` reads a word2vec / GloVe file
for the rows of the tokenizer's words. Parameters are '/'-joined paths
('encoder/blocks/mlp/hidden/kernel'); a mismatch is a one-line ConfigError naming the path, both
shapes and the allowed paths, and one log line names every parameter left fresh, and why.
"""

import dataclasses
import filecmp
import logging
import os
from typing import Any

import jax

from seqlab.config import ConfigError
from seqlab.data import word_vectors
from seqlab.data.tokenizers import TOKENIZER_ASSET, load_tokenizer
from seqlab.data.types import DatasetInfo
from seqlab.train import checkpoint

log = logging.getLogger('seqlab')

Shapes = dict[str, tuple[int, ...]]


@dataclasses.dataclass
class WorkdirSource:
    """The parameters of a seqlab run's checkpoint (`<workdir>/checkpoints/<step>`)."""

    workdir: str
    step: int
    where: str  # names the source in messages: "config.init.source='runs/bert' (step 400)"
    shapes: Shapes  # '/'-joined parameter path -> shape

    @classmethod
    def open(cls, source: str, workdir: str, step: int) -> 'WorkdirSource':
        """The checkpoint `step` (0: the latest) of `workdir`, named by config.init.source=`source`
        in messages."""
        directory = os.path.join(os.path.abspath(workdir), 'checkpoints')
        steps = checkpoint.saved_steps(directory) if os.path.isdir(directory) else []
        if not steps:
            raise ConfigError(
                f'config.init.source={source!r} holds no checkpoint ({directory} has no step); '
                'allowed: the workdir of a seqlab run that saved one'
            )
        if step and step not in steps:
            raise ConfigError(
                f'config.init.source={source!r}: step {step} is not saved in {directory}; '
                f'allowed: {", ".join(map(str, steps))} (or no @<step>: the latest)'
            )
        step = step or steps[-1]
        shapes = {
            path.removeprefix('params/'): tuple(shape)
            for path, shape in checkpoint.saved_shapes(directory, step).items()
            if path.startswith('params/')
        }
        return cls(workdir, step, f'config.init.source={source!r} (step {step})', shapes)

    def read(self, abstract: dict[str, jax.ShapeDtypeStruct]) -> dict[str, jax.Array]:
        arrays = checkpoint.restore_arrays(
            os.path.join(os.path.abspath(self.workdir), 'checkpoints'),
            self.step,
            {f'params/{path}': leaf for path, leaf in abstract.items()},
        )
        return {path.removeprefix('params/'): array for path, array in arrays.items()}


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
                'the source run %r was trained with another %s than this run (%s): '
                'transferred embeddings index other tokens',
                workdir,
                name,
                path,
            )


def word_vector_rows(
    word_vectors_file: str, embedding: str, destination: Shapes, info: DatasetInfo
) -> tuple[Any, Any]:
    """(ids, vectors [n, D]) of the tokenizer's words found in `word_vectors_file`, checked
    against the embedding table at parameter path `embedding` ([vocab_size >= tokenizer ids, D])."""
    if TOKENIZER_ASSET not in info.assets:
        raise ConfigError(
            f'config.init.word_vectors needs a tokenizer, and dataset {info.name!r} has none; '
            'allowed: text datasets'
        )
    if embedding not in destination:
        raise ConfigError(
            f'config.init.embedding={embedding!r} is not a parameter of this model; '
            f'allowed: {", ".join(p for p, s in destination.items() if len(s) == 2)}'
        )
    tokenizer = load_tokenizer(info.assets[TOKENIZER_ASSET])
    try:
        ids, vectors, coverage = word_vectors.rows_for(tokenizer, word_vectors_file)
    except (ConfigError, OSError) as error:
        raise ConfigError(f'config.init.word_vectors={word_vectors_file!r}: {error}') from None
    table = destination[embedding]
    if len(table) != 2 or table[0] < tokenizer.vocab_size or table[1] != vectors.shape[1]:
        raise ConfigError(
            f'config.init.embedding={embedding!r} has shape {list(table)}; the vectors need '
            f'[>= {tokenizer.vocab_size}, {vectors.shape[1]}] (vocabulary, vector size)'
        )
    log.info(
        'word vectors %s: %d of the tokenizer words found (%.1f%%)',
        word_vectors_file,
        len(ids),
        100 * coverage,
    )
    return ids, vectors


def paths_to_load(
    source: WorkdirSource, mapping: dict[str, str], destination: Shapes, info: DatasetInfo
) -> dict[str, str]:
    """{destination path: source path}: `mapping`'s subtrees (`matching`), or the whole model
    (`whole_model`) without one; a warning if the source run used another tokenizer."""
    if mapping:
        found = matching(mapping, destination, source.shapes, source.where)
    else:
        found = whole_model(destination, source.shapes, source.where)
    warn_if_assets_differ(source.workdir, info)
    return found


def copy(
    source: WorkdirSource, pairs: dict[str, str], params: dict[str, Any], destination: Shapes
) -> None:
    """Overwrite the flat `params` ('/'-joined path -> array) at `pairs`' destinations with the
    source's arrays (read with their dtypes and shardings), logging what stays fresh and unused."""
    arrays = source.read({frm: _abstract(params[to]) for to, frm in pairs.items()})
    params.update({to: arrays[frm] for to, frm in pairs.items()})
    log.info('initialised %d parameters from %s', len(pairs), source.where)
    fresh = left_fresh(pairs, destination, source.shapes)
    if fresh:
        log.info('re-initialised (not from %s): %s', source.where, ', '.join(fresh))
    unused = sorted(set(source.shapes) - set(pairs.values()))
    if unused:
        log.info('parameters of %s this run does not use: %s', source.where, ', '.join(unused))


def _abstract(leaf: jax.Array) -> jax.ShapeDtypeStruct:
    return jax.ShapeDtypeStruct(leaf.shape, leaf.dtype, sharding=leaf.sharding)
