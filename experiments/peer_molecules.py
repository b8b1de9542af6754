"""Classical peers for the molecule builders, on their scaffold splits.

Input: Morgan count fingerprints (radius 2, 2,048 bits) of the stored canonical SMILES; no
descriptor that is a target. Peers train on the train split; the ridge and logistic penalty is
chosen on validation from a small grid; scores are on test.
  molecules           regression of Crippen logP and TPSA (MAE, RMSE, R^2); classification of
                      `multi_aromatic` and `pains` (accuracy, ROC AUC)
  molecules_activity  regression of measured activity (MAE, RMSE, R^2)

  python experiments/peer_molecules.py   # prints tables, writes results/peer_molecules.md
"""

import argparse
import os
import time
import warnings

import numpy as np
import report
from rdkit import Chem
from rdkit.Chem import rdFingerprintGenerator
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import (
    accuracy_score,
    mean_absolute_error,
    r2_score,
    roc_auc_score,
    root_mean_squared_error,
)

from seqlab.data import DATA_DIR_ENV, DEFAULT_DATA_DIR, builders

SPLITS = ('train', 'validation', 'test')
FINGERPRINT_BITS = 2048
RIDGE_ALPHAS = (0.1, 1.0, 10.0, 100.0)
LOGISTIC_CS = (0.01, 0.1, 1.0)
FOREST = {'n_estimators': 100, 'max_features': 'sqrt', 'n_jobs': 2, 'random_state': 0}


def load(name: str, targets: tuple[str, ...]) -> dict[str, dict[str, np.ndarray]]:
    """Split -> {'fingerprints': [molecules, FINGERPRINT_BITS] float32, target: [molecules]}."""
    data_dir = os.path.expanduser(os.environ.get(DATA_DIR_ENV, DEFAULT_DATA_DIR))
    sources = builders.offline(name, data_dir).as_data_source()
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=FINGERPRINT_BITS)
    splits = {}
    for split in SPLITS:
        examples = [sources[split][i] for i in range(len(sources[split]))]
        molecules = [Chem.MolFromSmiles(example['smiles'].decode()) for example in examples]
        splits[split] = {
            'fingerprints': np.array(
                [generator.GetCountFingerprintAsNumPy(m) for m in molecules], np.float32
            ),
            **{target: np.array([example[target] for example in examples]) for target in targets},
        }
    return splits


def best_on_validation(make_model, options, splits, target, score) -> object:
    """Fits make_model(option) on train for each option; returns the best by validation score."""
    fitted = []
    for option in options:
        model = make_model(option).fit(splits['train']['fingerprints'], splits['train'][target])
        fitted.append((score(model, splits['validation'], target), model))
    return max(fitted, key=lambda pair: pair[0])[1]


def regression_rows(splits, target: str) -> list[str]:
    """Markdown rows: test MAE, RMSE and R^2 of each peer for one regression target."""

    def negative_mae(model, split, target):
        return -mean_absolute_error(split[target], model.predict(split['fingerprints']))

    x, y = splits['train']['fingerprints'], splits['train'][target]
    peers = {
        'train mean': lambda: DummyRegressor().fit(x, y),
        'ridge': lambda: best_on_validation(
            lambda alpha: Ridge(alpha=alpha), RIDGE_ALPHAS, splits, target, negative_mae
        ),
        'random forest (100)': lambda: RandomForestRegressor(**FOREST).fit(x, y),
    }
    rows = []
    for name, fit in peers.items():
        start = time.perf_counter()
        model = fit()
        seconds = time.perf_counter() - start
        truth = splits['test'][target]
        predicted = model.predict(splits['test']['fingerprints'])
        rows.append(
            f'| {target} | {name} | {mean_absolute_error(truth, predicted):.3f} | '
            f'{root_mean_squared_error(truth, predicted):.3f} | {r2_score(truth, predicted):.3f} '
            f'| {seconds:.0f} |'
        )
    return rows


def classification_rows(splits, target: str) -> list[str]:
    """Markdown rows: test accuracy and ROC AUC of each peer for one binary target."""

    def auc(model, split, target):
        return roc_auc_score(split[target], model.predict_proba(split['fingerprints'])[:, 1])

    x, y = splits['train']['fingerprints'], splits['train'][target]
    peers = {
        'majority class': lambda: DummyClassifier().fit(x, y),
        'logistic (L2)': lambda: best_on_validation(
            lambda c: LogisticRegression(C=c, max_iter=2000), LOGISTIC_CS, splits, target, auc
        ),
        'random forest (100)': lambda: RandomForestClassifier(**FOREST).fit(x, y),
    }
    rows = []
    for name, fit in peers.items():
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', ConvergenceWarning)
            model = fit()
        seconds = time.perf_counter() - start
        truth = splits['test'][target]
        accuracy = accuracy_score(truth, model.predict(splits['test']['fingerprints']))
        rows.append(
            f'| {target} | {name} | {100 * accuracy:.1f} | '
            f'{auc(model, splits["test"], target):.3f} | {100 * truth.mean():.1f} | {seconds:.0f} |'
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--out', default='results/peer_molecules.md', help='the results table (markdown)'
    )
    args = parser.parse_args()
    molecules = load('molecules', ('logp', 'tpsa', 'multi_aromatic', 'pains'))
    activity = load('molecules_activity', ('activity',))
    sizes = {
        name: ' / '.join(str(len(splits[s]['fingerprints'])) for s in SPLITS)
        for name, splits in (('molecules', molecules), ('molecules_activity', activity))
    }
    regression = ['| target | peer | MAE | RMSE | R^2 | fit (s) |', '|---|---|---|---|---|---|']
    for target in ('logp', 'tpsa'):
        regression += regression_rows(molecules, target)
    regression += regression_rows(activity, 'activity')
    classification = [
        '| target | peer | accuracy (%) | ROC AUC | test positives (%) | fit (s) |',
        '|---|---|---|---|---|---|',
    ]
    for target in ('multi_aromatic', 'pains'):
        classification += classification_rows(molecules, target)
    text = (
        f'Scaffold splits (train / validation / test): molecules {sizes["molecules"]}, '
        f'molecules_activity {sizes["molecules_activity"]}. Morgan count fingerprints '
        f'(radius 2, {FINGERPRINT_BITS} bits).\n\n## Regression (test)\n\n'
        + '\n'.join(regression)
        + '\n\n## Classification (test)\n\n'
        + '\n'.join(classification)
    )
    report.publish(f'# Molecule peers\n\n{text}\n', args.out)


if __name__ == '__main__':
    main()
