"""word2vec / GloVe text files: with or without the header line, matched to a word tokenizer
(exact word, else lowercase), coverage reported, malformed files and tokenizers without a word
list are one-line errors."""

import numpy as np
import pytest

from seqlab.data import word_vectors
from seqlab.data.tokenizers import NUM_SPECIAL, ByteTokenizer, WordTokenizer

VECTORS = {'the': [0.1, 0.2, 0.3], 'lord': [1.0, -1.0, 0.5], 'and': [0.0, 0.0, 1.0]}


def write(path, header: bool, vectors=VECTORS):
    lines = [f'{word} ' + ' '.join(map(str, v)) for word, v in vectors.items()]
    if header:
        lines.insert(0, f'{len(vectors)} 3')
    path.write_text('\n'.join(lines) + '\n', encoding='utf-8')
    return path


@pytest.mark.parametrize('header', [True, False], ids=['word2vec', 'glove'])
def test_read_with_and_without_header(tmp_path, header):
    words, vectors = word_vectors.read(write(tmp_path / 'v.txt', header))
    assert words == list(VECTORS)
    np.testing.assert_array_equal(vectors, np.asarray(list(VECTORS.values()), np.float32))


def test_rows_match_words_then_lowercase_and_report_coverage(tmp_path):
    tokenizer = WordTokenizer(['And', 'the', 'ark', 'LORD'])
    ids, vectors, coverage = word_vectors.rows_for(tokenizer, write(tmp_path / 'v.txt', True))
    assert ids.tolist() == [NUM_SPECIAL + 0, NUM_SPECIAL + 1, NUM_SPECIAL + 3]
    expected = np.asarray([VECTORS['and'], VECTORS['the'], VECTORS['lord']], np.float32)
    np.testing.assert_array_equal(vectors, expected)
    assert coverage == 0.75


@pytest.mark.parametrize(
    'text, message',
    [
        ('', 'holds no vectors'),
        ('the 0.1 0.2\nlord 1.0\n', 'vector 2 has 1 numbers, the first has 2'),
        ('the 0.1 x\n', 'could not convert string to float'),
    ],
)
def test_malformed_files_are_one_line_errors(tmp_path, text, message):
    (tmp_path / 'v.txt').write_text(text, encoding='utf-8')
    with pytest.raises(ValueError, match=message) as error:
        word_vectors.read(tmp_path / 'v.txt')
    assert '\n' not in str(error.value)


def test_a_tokenizer_without_words_is_an_error(tmp_path):
    with pytest.raises(ValueError, match='a byte tokenizer has no word list to match'):
        word_vectors.rows_for(ByteTokenizer(), write(tmp_path / 'v.txt', True))
