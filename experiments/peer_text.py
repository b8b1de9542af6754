"""Non-neural peers for the text datasets, the numbers seqlab's text models must beat.

(1) wordnet_supersense: TF-IDF of word 1-2-grams + logistic regression (saga; C picked on
    validation), test accuracy. (lbfgs takes ~7 s an iteration on these 482k features.)
(2) kjv: bits per byte on the held-out test text (verses joined by newlines) of xz -9, zstd -19
    and bzip2 -9, alone and given the training text (size(train + test) - size(train)), and of
    byte n-gram models of orders 3-10 with interpolated modified Kneser-Ney smoothing fitted on
    the training text.

  python experiments/peer_text.py [--data_dir runs/data]   # prints, writes results/peer_text.md
"""

import argparse
import os
import subprocess
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from seqlab.data.builders import kjv, wordnet_supersense

COMPRESSORS = {'xz -9': ['xz', '-9'], 'zstd -19': ['zstd', '-19'], 'bzip2 -9': ['bzip2', '-9']}
ORDERS = range(3, 11)
C_GRID = (30.0, 100.0, 300.0)
BYTES = 256
NOTES = (
    'Splits as built by seqlab: wordnet_supersense md5 of (pos, offset) 80/10/10; kjv trains on '
    'Genesis-Acts only (validation Romans-Philemon is not used), tests on Hebrews-Revelation.'
)


def load(builder_class, data_dir: str) -> dict[str, list[dict]]:
    """Builds the full dataset into `data_dir` (once) and reads every split into memory."""
    builder = builder_class(data_dir=data_dir, config='full', file_format='array_record')
    builder.download_and_prepare()
    sources = builder.as_data_source().items()
    return {split: source.__getitems__(range(len(source))) for split, source in sources}


def supersense_peer(splits: dict[str, list[dict]]) -> list[tuple[str, str]]:
    """Test accuracy of TF-IDF word 1-2-grams + logistic regression; C chosen on validation."""
    texts = {s: [e['text'].decode() for e in examples] for s, examples in splits.items()}
    labels = {s: np.array([e['label'] for e in examples]) for s, examples in splits.items()}
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    features = {'train': vectorizer.fit_transform(texts['train'])}
    features |= {s: vectorizer.transform(texts[s]) for s in ('validation', 'test')}
    start, best = time.perf_counter(), None
    for c in C_GRID:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', ConvergenceWarning)
            model = LogisticRegression(C=c, solver='saga', tol=1e-3, max_iter=100)
            model.fit(features['train'], labels['train'])
        accuracy = model.score(features['validation'], labels['validation'])
        if best is None or accuracy > best[0]:
            best = (accuracy, c, model)
    _, c, model = best
    test = 100 * model.score(features['test'], labels['test'])
    seconds = time.perf_counter() - start
    return [(f'TF-IDF word 1-2-grams + logistic regression (C={c:g})', f'{test:.1f}% accuracy'),
            ('(fit time for the C grid)', f'{seconds:.0f} s')]  # fmt: skip


def compressed_size(command: list[str], data: bytes) -> int:
    return len(subprocess.run(command, input=data, capture_output=True, check=True).stdout)


def compressor_bits_per_byte(train: bytes, test: bytes) -> dict[str, tuple[float, float]]:
    """name -> (bits per test byte alone, given the training text)."""
    result = {}
    for name, command in COMPRESSORS.items():
        alone = compressed_size(command, test)
        given = compressed_size(command, train + test) - compressed_size(command, train)
        result[name] = (8 * alone / len(test), 8 * given / len(test))
    return result


def kneser_ney_probabilities(train: bytes, test: bytes, orders=ORDERS) -> dict[int, np.ndarray]:
    """Probability of each test byte under interpolated modified Kneser-Ney byte n-gram models.

    p_n(w | h) = (max(c(hw) - D(c(hw)), 0) + [D1 N1(h.) + D2 N2(h.) + D3 N3+(h.)] p_{n-1}(w | h'))
                 / sum_w c(hw),   p_0 = 1/256,   p_n = p_{n-1} where h was never seen.
    The top order counts occurrences; lower orders count distinct left extensions (continuation
    counts). D1..D3 per order from counts of counts: Y = n1/(n1 + 2 n2), Dk = k - (k+1) Y n_{k+1}/n_k.
    Every n-gram gets a dense id: id_n = unique(id_{n-1} * 256 + byte n-1 positions to the left).
    """
    pad = max(orders)  # zero bytes before each text: the context of its first bytes
    stream = np.frombuffer(bytes(pad) + train + bytes(pad) + test, dtype=np.uint8).astype(np.int64)
    counted = np.arange(pad, pad + len(train))
    scored = np.arange(2 * pad + len(train), len(stream))
    ids = [np.zeros_like(stream)]  # ids[n][i]: id of the n bytes ending at position i
    chain = np.full(len(scored), 1 / BYTES)  # lower-order (continuation) probabilities
    result = {}
    for n in range(1, max(orders) + 1):
        while len(ids) <= n + 1:
            _, dense = np.unique(
                ids[-1] * BYTES + np.roll(stream, len(ids) - 1), return_inverse=True
            )
            ids.append(dense.reshape(-1))
        ngram, context, longer = ids[n], np.roll(ids[n - 1], 1), ids[n + 1]
        raw = np.bincount(ngram[counted], minlength=ngram.max() + 1)
        if n in orders:
            result[n] = _interpolate(raw, ngram, context, counted, scored, chain)
        parent = np.zeros(longer.max() + 1, dtype=np.int64)
        parent[longer[counted]] = ngram[counted]
        continuation = np.bincount(parent[np.unique(longer[counted])], minlength=len(raw))
        chain = _interpolate(continuation, ngram, context, counted, scored, chain)
    return result


def _interpolate(counts, ngram, context, counted, scored, lower) -> np.ndarray:
    """One Kneser-Ney level: probabilities at `scored` positions from `counts` per n-gram id."""
    context_of = np.zeros(len(counts), dtype=np.int64)
    context_of[ngram[counted]] = context[counted]
    seen = np.flatnonzero(counts)
    of_count = np.bincount(np.minimum(counts[seen], 5), minlength=6)
    y = of_count[1] / max(of_count[1] + 2 * of_count[2], 1)
    discount = [0.0] + [k - (k + 1) * y * of_count[k + 1] / max(of_count[k], 1) for k in (1, 2, 3)]
    discount = np.array(discount)
    ngram_discount = discount[np.minimum(counts[seen], 3)]
    size = context.max() + 1
    total = np.bincount(context_of[seen], weights=counts[seen], minlength=size)
    backoff = np.bincount(context_of[seen], weights=ngram_discount, minlength=size)
    kept = np.zeros(len(counts))
    kept[seen] = counts[seen] - ngram_discount
    h, w = context[scored], ngram[scored]
    with np.errstate(divide='ignore', invalid='ignore'):
        mixed = (kept[w] + backoff[h] * lower) / total[h]
    return np.where(total[h] > 0, mixed, lower)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data_dir', default='runs/data', help='where the builders prepare')
    args = parser.parse_args()

    rows = [('**wordnet_supersense** (test split)', '')]
    rows += supersense_peer(load(wordnet_supersense.WordnetSupersense, args.data_dir))

    verses = load(kjv.Kjv, args.data_dir)
    train, test = (b''.join(e['text'] + b'\n' for e in verses[s]) for s in ('train', 'test'))
    rows.append((f'**kjv** (test: Hebrews-Revelation, {len(test):,} bytes)', 'bits per byte'))
    for name, (alone, given) in compressor_bits_per_byte(train, test).items():
        rows.append((f'{name}, alone / given the training text', f'{alone:.3f} / {given:.3f}'))
    start = time.perf_counter()
    for order, probabilities in kneser_ney_probabilities(train, test).items():
        bits = -np.mean(np.log2(probabilities))
        rows.append((f'byte {order}-gram, interpolated modified Kneser-Ney', f'{bits:.3f}'))
    rows.append(('(fit + score time, all orders)', f'{time.perf_counter() - start:.0f} s'))

    table = '\n'.join(['| peer | result |', '|---|---|', *(f'| {a} | {b} |' for a, b in rows)])
    print(table)
    os.makedirs('results', exist_ok=True)
    with open('results/peer_text.md', 'w') as f:
        f.write(
            f'# Text peers\n\nCommand: `python experiments/peer_text.py`\n\n{NOTES}\n\n{table}\n'
        )


if __name__ == '__main__':
    main()
