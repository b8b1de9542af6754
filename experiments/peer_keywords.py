"""Non-neural peer for spoken_keywords: the accuracy the spectrogram CNN must beat.

Each clip becomes the mean and standard deviation over time of its MFCCs (seqlab.layers.spectrogram.mfcc:
n_fft 512 = 32 ms, hop 160 = 10 ms, 40 mels, 20 coefficients), standardised with train
statistics, classified by multinomial logistic regression (scikit-learn) with C picked on the
validation voices. Reported: accuracy on the held-out test voices.

  python experiments/peer_keywords.py [--data_dir runs/data]   # writes results/peer_keywords.md
"""

import argparse
import time
import warnings

import jax
import numpy as np
import report
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from seqlab.data import audio_io
from seqlab.data.builders import spoken_keywords
from seqlab.layers import spectrogram

MFCC_ARGS = {'n_mfcc': 20, 'n_fft': 512, 'hop_length': 160, 'n_mels': 40}
C_GRID = (0.1, 1.0, 10.0, 100.0)
CHUNK = 64  # clips per compiled MFCC call


def load(data_dir: str) -> dict[str, list[dict]]:
    """Builds the full dataset into `data_dir` (once) and reads every split into memory."""
    builder = spoken_keywords.SpokenKeywords(config='full', data_dir=data_dir)
    builder.download_and_prepare(file_format='array_record')
    sources = builder.as_data_source()
    return {
        split: source.__getitems__(list(range(len(source)))) for split, source in sources.items()
    }


@jax.jit
def mfcc_statistics(clips: jax.Array) -> jax.Array:
    """[batch, samples] float -> [batch, 2 * n_mfcc]: per-coefficient mean and std over frames."""
    cepstra = jax.lax.map(
        lambda clip: spectrogram.mfcc(clip, spoken_keywords.SAMPLE_RATE, **MFCC_ARGS),
        clips,
        batch_size=16,
    )
    return jax.numpy.concatenate([cepstra.mean(axis=-1), cepstra.std(axis=-1)], axis=-1)


def features(examples: list[dict]) -> np.ndarray:
    clips = audio_io.to_float(np.stack([example['audio'] for example in examples]))
    return np.concatenate(
        [np.asarray(mfcc_statistics(clips[i : i + CHUNK])) for i in range(0, len(clips), CHUNK)]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data_dir', default='runs/data')
    parser.add_argument('--out', default='results/peer_keywords.md')
    args = parser.parse_args()
    splits = load(args.data_dir)
    start = time.perf_counter()
    inputs = {split: features(examples) for split, examples in splits.items()}
    feature_seconds = time.perf_counter() - start
    labels = {split: np.array([e['label'] for e in examples]) for split, examples in splits.items()}
    scaler = StandardScaler().fit(inputs['train'])
    inputs = {split: scaler.transform(values) for split, values in inputs.items()}
    start, rows, best = time.perf_counter(), [], None
    for c in C_GRID:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', ConvergenceWarning)
            model = LogisticRegression(C=c, max_iter=2000).fit(inputs['train'], labels['train'])
        accuracy = {split: 100 * model.score(inputs[split], labels[split]) for split in inputs}
        rows.append((c, accuracy))
        if best is None or accuracy['validation'] > best[1]['validation']:
            best = (c, accuracy)
    fit_seconds = time.perf_counter() - start
    sizes = '/'.join(f'{len(splits[s]):,}' for s in ('train', 'validation', 'test'))
    lines = [
        '# Peer for spoken_keywords: MFCC mean/std + logistic regression',
        '',
        f'Command: `python experiments/peer_keywords.py`. Clips train/validation/test: {sizes};',
        'validation and test voices (espeak-ng variants) never occur in train.',
        f'MFCC {MFCC_ARGS} of each 1 s, 16 kHz clip; mean and std over frames -> '
        f'{2 * MFCC_ARGS["n_mfcc"]} features, standardised; scikit-learn LogisticRegression.',
        '',
        '| C | train % | validation % | test % |',
        '|---|---|---|---|',
    ]
    for c, accuracy in rows:
        mark = ' (picked)' if c == best[0] else ''
        lines.append(
            f'| {c:g}{mark} | {accuracy["train"]:.1f} | {accuracy["validation"]:.1f} | '
            f'{accuracy["test"]:.1f} |'
        )
    lines += [
        '',
        f'**Test accuracy (held-out voices), C picked on validation: {best[1]["test"]:.1f}%.**',
        f'MFCC features for all clips: {feature_seconds:.0f} s (JAX, CPU); logistic regression '
        f'fits for the C grid: {fit_seconds:.0f} s.',
        '',
    ]
    report.publish('\n'.join(lines), args.out)


if __name__ == '__main__':
    main()
