"""Scores a seqlab predictions file on Fashion-MNIST's test split with nothing but numpy and the
official label file: an outside check of the accuracy a run logs as `test/accuracy`.

  python launch.py --config=configs/vit.py                        # train (runs/vit)
  python launch.py --config=configs/vit.py --mode=predict --split=test
  python experiments/score_fashion_mnist.py runs/vit/predictions_test_<step>.npz

The predictions file holds `id` (the example's index in the official t10k files) and `prediction`
(the predicted class) per row; this script joins them to t10k-labels-idx1-ubyte.gz by that index,
ignoring every other field seqlab writes.
"""

import argparse
import gzip

import numpy as np

DEBIAN_LABELS = '/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz'


def official_labels(path: str) -> np.ndarray:
    """The labels [10000] uint8 of an IDX1 file (a big-endian header of 8 bytes, then one byte each)."""
    with gzip.open(path) as handle:
        data = handle.read()
    magic, count = int.from_bytes(data[:4], 'big'), int.from_bytes(data[4:8], 'big')
    if magic != 2049 or len(data) != 8 + count:
        raise SystemExit(f'error: {path} is not an IDX1 label file (magic {magic}, {count} labels)')
    return np.frombuffer(data, np.uint8, offset=8)


def score(predictions_path: str, labels_path: str) -> tuple[float, int]:
    """(accuracy, number of rows) of the predictions joined to the labels by `id`."""
    rows = np.load(predictions_path)
    labels = official_labels(labels_path)
    ids, predicted = rows['id'], rows['prediction']
    if len(np.unique(ids)) != len(ids) or ids.min() < 0 or ids.max() >= len(labels):
        raise SystemExit(f'error: ids in {predictions_path} are not distinct indices of the labels')
    return float(np.mean(predicted == labels[ids])), len(ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('predictions', help='predictions_test_<step>.npz from --mode=predict')
    parser.add_argument('--labels', default=DEBIAN_LABELS, help='t10k-labels-idx1-ubyte.gz')
    args = parser.parse_args()
    accuracy, count = score(args.predictions, args.labels)
    print(f'{count} predictions, accuracy {100 * accuracy:.2f}% ({args.predictions})')


if __name__ == '__main__':
    main()
