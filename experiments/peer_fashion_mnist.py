"""Peers on the official Fashion-MNIST split: scikit-learn MLP (256 hidden, 20 epochs) and
logistic regression on pixels / 255 — the numbers seqlab's ViT and Mixer must beat.

  python experiments/peer_fashion_mnist.py        # prints a table, writes results/peer_fashion_mnist.md
"""

import argparse
import time
import warnings

import numpy as np
import report
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from seqlab import config_defaults, data


def load(split: str) -> tuple[np.ndarray, np.ndarray]:
    config = config_defaults.vision_data('fashion_mnist')
    config.eval_split = split
    splits = data.get(config, seed=0)
    images, labels = [], []
    for batch in splits.eval:
        real = batch['mask'] > 0
        images.append(batch['image'][real].reshape(real.sum(), -1) / np.float32(255))
        labels.append(batch['label'][real])
    return np.concatenate(images), np.concatenate(labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--out', default='results/peer_fashion_mnist.md', help='the results table (markdown)'
    )
    args = parser.parse_args()
    x_train, y_train = load('train')
    x_test, y_test = load('test')
    peers = {
        'MLPClassifier(256), 20 epochs': MLPClassifier(
            hidden_layer_sizes=(256,), max_iter=20, random_state=0
        ),
        'LogisticRegression': LogisticRegression(max_iter=200),
    }
    rows = []
    for name, model in peers.items():
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', ConvergenceWarning)
            model.fit(x_train, y_train)
        seconds = time.perf_counter() - start
        rows.append((name, 100 * model.score(x_test, y_test), seconds))
    table = ['| peer | test accuracy (%) | fit time (s) |', '|---|---|---|']
    table += [f'| {name} | {acc:.1f} | {sec:.0f} |' for name, acc, sec in rows]
    text = '\n'.join(table)
    title = f'# Fashion-MNIST peers ({len(x_train)} train / {len(x_test)} test)'
    report.publish(f'{title}\n\n{text}\n', args.out)


if __name__ == '__main__':
    main()
