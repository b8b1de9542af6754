"""Pre-trained word vectors in the word2vec / GloVe text format, matched to a tokenizer.

The format is one `word v_1 ... v_D` line per word, separated by single spaces; word2vec files
start with a `count D` header line, GloVe files do not. A tokenizer word takes the vector of the
same word, else of its lowercase form (GloVe vocabularies are lowercase); the first line of a
word wins. Only tokenizers with a word list (`word`, `char`) can be matched.
"""

import pathlib

import numpy as np

from seqlab.config import ConfigError
from seqlab.data.tokenizers import NUM_SPECIAL, Tokenizer


def read(path: str | pathlib.Path) -> tuple[list[str], np.ndarray]:
    """(words, vectors float32 [n, D]) of a word2vec / GloVe text file; a file in another format
    raises a one-line ConfigError naming it."""
    try:
        lines = pathlib.Path(path).read_text(encoding='utf-8').splitlines()
    except UnicodeDecodeError as error:  # a binary word2vec file, say
        raise ConfigError(
            f'{path} is not UTF-8 text ({error}); expected lines `word v_1 ... v_D`'
        ) from None
    header = lines[0].split() if lines else []
    if len(header) == 2 and all(field.isdigit() for field in header):
        lines = lines[1:]
    lines = [line for line in lines if line.strip()]
    if not lines:
        raise ConfigError(f'{path} holds no vectors; expected lines `word v_1 ... v_D`')
    dim = len(lines[0].rstrip().split(' ')) - 1
    words, rows = [], []
    for number, line in enumerate(lines, start=1):
        fields = line.rstrip().split(' ')
        if len(fields) - 1 != dim or dim < 1:
            raise ConfigError(
                f'{path}: vector {number} has {len(fields) - 1} numbers, the first has {dim}; '
                'expected lines `word v_1 ... v_D` of one size D'
            )
        words.append(fields[0])
        rows.append(fields[1:])
    try:
        vectors = np.asarray(rows, np.float32)
    except ValueError as error:  # a field that is not a number
        raise ConfigError(f'{path}: {error}') from None
    return words, vectors


def rows_for(
    tokenizer: Tokenizer, path: str | pathlib.Path
) -> tuple[np.ndarray, np.ndarray, float]:
    """(ids int [n], vectors float32 [n, D], coverage): the tokenizer ids whose word has a vector
    in `path`, those vectors, and n / (number of content ids)."""
    pieces = getattr(tokenizer, 'pieces', None)
    if pieces is None:
        raise ConfigError(
            f'a {tokenizer.kind} tokenizer has no word list to match; allowed: word, char'
        )
    words, vectors = read(path)
    index: dict[str, int] = {}
    for row, word in enumerate(words):
        index.setdefault(word, row)
    ids, found = [], []
    for offset, piece in enumerate(pieces):
        row = index.get(piece, index.get(piece.lower()))
        if row is not None:
            ids.append(NUM_SPECIAL + offset)
            found.append(row)
    coverage = len(ids) / max(len(pieces), 1)
    return np.asarray(ids, np.int32), vectors[found].reshape(-1, vectors.shape[1]), coverage
