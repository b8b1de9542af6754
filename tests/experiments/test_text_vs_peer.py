"""experiments/text_vs_peer.py's table: every seed, a mean ± sd row per model, and targets judged
on the mean that say whether the margin over the peer is beyond the seed spread and, with fewer
than 3 seeds, on how many seeds they rest."""

import os
import sys

import pytest

from tests.conftest import REPO

sys.path.insert(0, os.path.join(REPO, 'experiments'))
import text_vs_peer  # noqa: E402

PEERS = text_vs_peer.peers(os.path.join(REPO, text_vs_peer.PEER_FILE))
TFIDF = PEERS['tfidf'][1]
BEST_BITS = min(PEERS[peer][1] for peer in ('xz -9', 'zstd -19', 'bzip2 -9', 'ngram'))


def fake(model: str, seed: int, test: float, minutes: float = 20.0) -> dict:
    """A row as text_vs_peer.row gives it, without a trained run."""
    return {
        'model': model,
        'seed': seed,
        'label': model,
        'spec': text_vs_peer.MODELS[model][0],
        'parameters': 1000,
        'step': 10 + seed,
        'total': 20,
        'metric': 'accuracy',
        'validation': 0.5 + seed / 100,
        'test': test,
        'timing': {'seconds': 60 * minutes, 'load_before': 1.0, 'load_after': 2.0},
    }


def verdict(text: str, model: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(f'- {model}:'))


def test_three_seeds_every_run_a_mean_row_and_a_margin_beyond_the_spread():
    rows = [fake('text_cnn', seed, TFIDF + gain) for seed, gain in enumerate((4.0, 5.0, 3.0))]
    text = text_vs_peer.report(rows, PEERS, 'python experiments/text_vs_peer.py')
    for seed, r in enumerate(rows):
        assert (
            f'| {seed} | {r["test"]:.1f} | {10 + seed} / 20 (accuracy {0.5 + seed / 100:.4f})'
            in text
        )
    assert f'| **text_cnn, mean ± sd** | 3 seeds | **{TFIDF + 4:.1f} ± 1.0** |' in text
    assert '(accuracy 0.5100 ± 0.0100)' in text
    assert verdict(text, 'text_cnn').endswith(
        '; mean - peer = +4.0 points, beyond the seed spread (every seed above it). '
        'Beat TF-IDF + LR on the mean: met.'
    )
    assert 'text_transformer' not in text and '- GPT' not in text


def test_a_mean_above_the_peer_with_a_seed_below_it_is_met_within_the_spread():
    rows = [fake('text_transformer', seed, TFIDF + d) for seed, d in enumerate((3.0, -1.0, 2.0))]
    line = verdict(text_vs_peer.report(rows, PEERS, 'cmd'), 'text_transformer')
    assert 'within the seed spread (seeds on both sides of it)' in line
    assert line.endswith('Beat TF-IDF + LR on the mean: met.')


@pytest.mark.parametrize('count', [1, 2])
def test_fewer_seeds_say_how_many_the_table_rests_on(count):
    rows = [fake('text_cnn', seed, TFIDF - 1.0) for seed in range(count)]
    text = text_vs_peer.report(rows, PEERS, 'cmd')
    assert f'| **text_cnn, mean ± sd** | {count} of 3 seeds |' in text
    assert verdict(text, 'text_cnn').endswith(f'on the mean: NOT met on {count} of 3 seeds only.')
    assert ('one seed: no spread' in text) == (count == 1)


def test_gpt_needs_its_mean_below_every_peer_and_each_run_within_30_minutes():
    bits = [BEST_BITS - 0.1, BEST_BITS - 0.12, BEST_BITS - 0.08]
    fast = [fake('gpt', seed, b) for seed, b in enumerate(bits)]
    text = text_vs_peer.report(fast, PEERS, 'cmd')
    assert f'| **gpt, mean ± sd** | 3 seeds | **{BEST_BITS - 0.1:.3f} ± 0.020** |' in text
    line = verdict(text, 'GPT')
    assert 'mean - peer = -0.100, beyond the seed spread (every seed below it)' in line
    assert line.endswith('each run within 30 min: met.')
    slow = [*fast[:2], fake('gpt', 2, bits[2], minutes=31.0)]
    assert verdict(text_vs_peer.report(slow, PEERS, 'cmd'), 'GPT').endswith('30 min: NOT met.')
