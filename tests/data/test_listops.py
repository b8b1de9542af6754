"""ListOps generator: values equal an independent evaluation, lengths and depths within limits,
the same expressions on every run, splits disjoint by expression."""

import hashlib
import math
import re
import statistics

import pytest

from seqlab.data.builders import listops

COUNT = 600
PINNED_DIGEST = 'e459477f0e4264f8419f2287ccb4cebf'  # md5 of the first COUNT expressions


@pytest.fixture(scope='module')
def texts():
    return [text for _, text in sorted(sum(listops.split_expressions(COUNT).values(), []))]


def python_value(text: str) -> int:
    """The value by Python's own evaluator: '[ SM 3 [ MIN 4 5 ] ]' -> SM(3, MIN(4, 5))."""
    functions = {
        'MIN': lambda *a: min(a),
        'MAX': lambda *a: max(a),
        'MED': lambda *a: math.floor(statistics.median(a)),
        'SM': lambda *a: sum(a) % 10,
    }
    source = re.sub(r'\[ (\w+)', r'\1(', text).replace(' ]', ')')
    source = re.sub(r'(?<=[\w)]) (?=[\w])', ', ', source)
    return eval(source, {'__builtins__': {}}, functions)


def depth(tokens: list[str]) -> int:
    level = deepest = 0
    for token in tokens:
        level += {listops.OPEN: 1, listops.CLOSE: -1}.get(token, 0)
        deepest = max(deepest, level)
    return deepest


@pytest.mark.parametrize(
    'text, value',
    [
        ('[ MIN 4 2 7 ]', 2),
        ('[ MAX 4 2 7 ]', 7),
        ('[ MED 4 2 7 ]', 4),
        ('[ MED 1 2 6 9 ]', 4),  # (2 + 6) / 2
        ('[ MED 1 2 3 9 ]', 2),  # (2 + 3) / 2 rounded down
        ('[ SM 9 8 7 ]', 4),  # 24 mod 10
        ('[ MAX 4 3 [ MIN 2 3 ] 1 0 [ MED 1 5 8 9 2 ] ]', 5),
        ('[ SM [ SM 9 9 ] [ MAX 1 [ MIN 8 9 ] ] 5 ]', 1),  # 8 + 8 + 5 = 21
    ],
)
def test_evaluate_known_expressions(text, value):
    assert listops.evaluate(text.split(' ')) == value == python_value(text)


def test_values_equal_pythons_evaluation(texts):
    values = [listops.evaluate(text.split(' ')) for text in texts]
    assert values == [python_value(text) for text in texts]
    assert set(values) == set(range(10))


def test_lengths_depths_and_arguments_within_limits(texts):
    assert len(texts) == len(set(texts)) == COUNT
    lengths, depths = [], []
    for text in texts:
        tokens = text.split(' ')
        assert set(tokens) <= {listops.OPEN, listops.CLOSE, *listops.OPERATORS, *listops.DIGITS}
        lengths.append(len(tokens))
        depths.append(depth(tokens))
        for arguments in re.findall(r'\[ \w+ ([\d ]+) \]', text):  # innermost expressions
            assert 2 <= len(arguments.split(' ')) <= listops.MAX_ARGS
    assert listops.MIN_LENGTH <= min(lengths) and max(lengths) <= listops.MAX_LENGTH
    assert max(depths) == listops.MAX_DEPTH
    assert {token for text in texts for token in text.split(' ')} >= set(listops.OPERATORS)


def test_generation_is_deterministic(texts):
    digest = hashlib.md5('\n'.join(texts).encode()).hexdigest()
    assert digest == PINNED_DIGEST
    assert texts[:50] == [text for _, text in zip(range(50), listops.expressions(), strict=False)]


def test_splits_are_disjoint_80_10_10(texts):
    splits = listops.split_expressions(COUNT)
    assert sorted(sum(splits.values(), [])) == list(enumerate(texts))
    for name, pairs in splits.items():
        assert {listops.split_of(text) for _, text in pairs} == {name}
        assert abs(len(pairs) / COUNT - listops.SPLIT_PERCENT[name] / 100) < 0.04
    tiny = listops.split_expressions(max_per_split=20)
    assert {name: len(pairs) for name, pairs in tiny.items()} == dict.fromkeys(splits, 20)
    assert tiny['train'] == splits['train'][:20]
