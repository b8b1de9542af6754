"""ListOps (Nangia & Bowman 2018; the long-range task of the Long Range Arena): nested list
operations over digits, classified by their value 0-9.

    [ MAX 4 3 [ MIN 2 3 ] 1 0 [ MED 1 5 8 9 2 ] ]  ->  5

Operators take 2..MAX_ARGS arguments, each a digit or a nested expression: MIN, MAX, MED (the
median; for an even count the mean of the two middle values, rounded down) and SM (sum mod 10).
Brackets, operators and digits are separate tokens, separated by spaces. An expression opens with
an operator; below it, an argument is a digit with probability LEAF_PROBABILITY, and always at
MAX_DEPTH. Candidate k is drawn by `random.Random('listops <k>')` and kept when its token count is
in [MIN_LENGTH, MAX_LENGTH] and it was not drawn before, so every build holds the same
NUM_EXAMPLES expressions. Split by the md5 of the expression (80 / 10 / 10): a test expression
never appears in training. LRA uses up to 2,000 tokens and depth 10; these are shorter so that
they train on a CPU.
"""

import itertools
import random
from collections.abc import Iterator

import numpy as np
import tensorflow_datasets as tfds

from seqlab.data import builders

MODALITY = 'text'

OPERATORS = ('MIN', 'MAX', 'MED', 'SM')
OPEN, CLOSE = '[', ']'
DIGITS = tuple(str(digit) for digit in range(10))
MAX_DEPTH = 6
MAX_ARGS = 5
LEAF_PROBABILITY = 0.5
MIN_LENGTH, MAX_LENGTH = 64, 256
NUM_EXAMPLES = 20_000
SPLIT_PERCENT = {'train': 80, 'validation': 10, 'test': 10}


def apply(operator: str, values: list[int]) -> int:
    """The value of `operator` over digit `values`."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if operator == 'MIN':
        return ordered[0]
    if operator == 'MAX':
        return ordered[-1]
    if operator == 'MED':
        return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) // 2
    if operator == 'SM':
        return sum(values) % 10
    raise ValueError(f'unknown ListOps operator {operator!r}; allowed: {", ".join(OPERATORS)}')


def evaluate(tokens: list[str]) -> int:
    """The value of a token sequence, by a stack of open expressions [operator, arguments]."""
    stack: list[tuple[str, list[int]]] = []
    result = None
    for token in tokens:
        if token in OPERATORS:
            stack.append((token, []))
        elif token == CLOSE:
            operator, values = stack.pop()
            value = apply(operator, values)
            if stack:
                stack[-1][1].append(value)
            else:
                result = value
        elif token in DIGITS:
            stack[-1][1].append(int(token))
        elif token != OPEN:
            raise ValueError(f'unknown ListOps token {token!r}')
    if stack or result is None:
        raise ValueError('unbalanced ListOps expression')
    return result


def draw_expression(rng: random.Random, depth: int = 1) -> list[str]:
    """Tokens of one expression whose outermost operator is at nesting `depth`."""
    operator = OPERATORS[int(rng.random() * len(OPERATORS))]
    count = 2 + int(rng.random() * (MAX_ARGS - 1))
    tokens = [OPEN, operator]
    for _ in range(count):
        if depth == MAX_DEPTH or rng.random() < LEAF_PROBABILITY:
            tokens.append(DIGITS[int(rng.random() * len(DIGITS))])
        else:
            tokens += draw_expression(rng, depth + 1)
    return tokens + [CLOSE]


def draw_candidate(k: int) -> list[str]:
    """The k-th candidate expression."""
    return draw_expression(random.Random(f'listops {k}'))


def expressions() -> Iterator[str]:
    """The distinct candidates with MIN_LENGTH..MAX_LENGTH tokens, in draw order, as text."""
    seen = set()
    for k in itertools.count():
        tokens = draw_candidate(k)
        text = ' '.join(tokens)
        if MIN_LENGTH <= len(tokens) <= MAX_LENGTH and text not in seen:
            seen.add(text)
            yield text


def split_of(text: str) -> str:
    """'train', 'validation' or 'test', from the md5 of the expression (80 / 10 / 10)."""
    return builders.hashed_split(text, SPLIT_PERCENT)


def split_expressions(
    count: int = NUM_EXAMPLES, max_per_split: int | None = None
) -> dict[str, list[tuple[int, str]]]:
    """Split -> [(index, text)] of the first `count` expressions; with `max_per_split`, only the
    first that many of each split (generation stops once every split has them)."""
    splits = {name: [] for name in SPLIT_PERCENT}
    for index, text in enumerate(itertools.islice(expressions(), count)):
        split = splits[split_of(text)]
        if max_per_split is None or len(split) < max_per_split:
            split.append((index, text))
        if max_per_split is not None and all(len(s) == max_per_split for s in splits.values()):
            break
    return splits


class Listops(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """ListOps expressions (text) and their values (label)."""

    VERSION = tfds.core.Version('1.0.0')
    RELEASE_NOTES = {'1.0.0': f'{NUM_EXAMPLES:,} expressions of {MIN_LENGTH}-{MAX_LENGTH} tokens.'}
    BUILDER_CONFIGS = [
        builders.SubsetConfig(name='full', description=f'{NUM_EXAMPLES:,} expressions.'),
        builders.SubsetConfig(
            name='tiny', description='First 100 expressions per split.', max_per_split=100
        ),
    ]

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description=__doc__,
            features=tfds.features.FeaturesDict(
                {
                    'id': tfds.features.Scalar(dtype=np.int64),
                    'text': tfds.features.Text(),
                    'label': tfds.features.ClassLabel(names=DIGITS),
                }
            ),
            supervised_keys=('text', 'label'),
            disable_shuffling=True,
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # Generated, nothing to download.
        splits = split_expressions(max_per_split=self.builder_config.max_per_split)
        return {name: self._generate_examples(texts) for name, texts in splits.items()}

    def _generate_examples(self, texts: list[tuple[int, str]]):
        for index, text in texts:
            yield index, {'id': index, 'text': text, 'label': evaluate(text.split(' '))}
