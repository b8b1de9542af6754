"""BERT masking: 15% of real content tokens selected, split 80/10/10 into mask / random / kept,
padding and special ids never selected (a pretrained vocabulary's scattered special ids too),
the same masking for the same generator seed."""

import numpy as np
import pytest

from seqlab.data.masking import content_ids, mask_tokens
from seqlab.data.tokenizers import (
    EOS_ID,
    MASK_ID,
    NUM_SPECIAL,
    PAD_ID,
    UNK_ID,
    PretrainedTokenizer,
    make_tokenizer,
)

VOCAB = 50


def sequences(count: int, length: int = 40, seed: int = 0) -> list[dict]:
    """Random texts of random lengths with an eos and an unk inside, padded to `length`."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        n = int(rng.integers(5, length + 1))
        tokens = np.full(length, PAD_ID, np.int32)
        tokens[:n] = rng.integers(NUM_SPECIAL, VOCAB, n)
        tokens[rng.integers(0, n, 2)] = (EOS_ID, UNK_ID)
        out.append({'tokens': tokens, 'token_mask': tokens != PAD_ID, 'id': np.int64(0)})
    return out


CONTENT = np.arange(NUM_SPECIAL, VOCAB)  # what content_ids gives a seqlab tokenizer of VOCAB ids


def masked(elements, seed=0, rate=0.15, content=CONTENT, mask_id=MASK_ID):
    rng = np.random.default_rng(seed)
    return [mask_tokens(e, rng, rate=rate, mask_id=mask_id, content_ids=content) for e in elements]


def test_selection_rate_and_80_10_10_split():
    elements = sequences(3000)
    out = masked(elements)
    original = np.stack([e['tokens'] for e in elements])
    inputs = np.stack([o['tokens'] for o in out])
    selected = np.stack([o['target_mask'] for o in out])
    np.testing.assert_array_equal(np.stack([o['targets'] for o in out]), original)
    content = (original >= NUM_SPECIAL).sum()  # about 66,000 maskable tokens
    assert abs(selected.sum() / content - 0.15) < 0.005
    is_mask = inputs[selected] == MASK_ID
    unchanged = inputs[selected] == original[selected]
    # A random replacement equals the original with probability 1/46, so 10% + 0.1 * 1/46 stay.
    random = ~is_mask & ~unchanged
    assert abs(is_mask.mean() - 0.8) < 0.01
    assert abs(random.mean() - 0.1 * (1 - 1 / (VOCAB - NUM_SPECIAL))) < 0.01
    assert abs(unchanged.mean() - (0.1 + 0.1 / (VOCAB - NUM_SPECIAL))) < 0.01
    assert ((inputs[selected & ~(inputs == MASK_ID)]) >= NUM_SPECIAL).all()  # random ids: content
    np.testing.assert_array_equal(inputs[~selected], original[~selected])  # others untouched


def test_padding_and_special_ids_are_never_selected():
    elements = sequences(500)
    out = masked(elements, rate=0.9)
    original = np.stack([e['tokens'] for e in elements])
    selected = np.stack([o['target_mask'] for o in out])
    assert not selected[original < NUM_SPECIAL].any()
    assert selected[original >= NUM_SPECIAL].mean() > 0.85


@pytest.mark.parametrize('seed', [0, 7])
def test_same_seed_same_masking_other_seed_other_masking(seed):
    elements = sequences(20)
    first, again, other = masked(elements, seed), masked(elements, seed), masked(elements, seed + 1)
    for a, b in zip(first, again, strict=True):
        for key in ('tokens', 'targets', 'target_mask'):
            np.testing.assert_array_equal(a[key], b[key])
    assert any(
        (a['target_mask'] != c['target_mask']).any() for a, c in zip(first, other, strict=True)
    )


def test_seqlab_tokenizers_mask_all_ids_past_the_special_ones():
    tokenizer = make_tokenizer('byte')
    np.testing.assert_array_equal(
        content_ids(tokenizer), np.arange(NUM_SPECIAL, tokenizer.vocab_size)
    )


def test_scattered_special_ids_of_a_pretrained_vocabulary_are_never_selected_nor_inserted():
    """BERT-style: [PAD] 0, [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103 among ordinary words."""
    from tokenizers import Tokenizer as HfTokenizer
    from tokenizers import models

    words = [f'w{i}' for i in range(120)]
    special = {0: '[PAD]', 100: '[UNK]', 101: '[CLS]', 102: '[SEP]', 103: '[MASK]'}
    vocab = {special.get(i, words[i]): i for i in range(120)}
    hf = HfTokenizer(models.WordLevel(vocab, unk_token='[UNK]'))
    hf.add_special_tokens(list(special.values()))
    tokenizer = PretrainedTokenizer(hf)
    content = content_ids(tokenizer)
    assert set(special).isdisjoint(content) and len(content) == 115
    rng = np.random.default_rng(0)
    elements = []
    for _ in range(300):
        tokens = rng.integers(0, 120, 40).astype(np.int32)
        elements.append({'tokens': tokens, 'token_mask': np.ones(40, bool), 'id': np.int64(0)})
    out = masked(elements, rate=0.9, content=content, mask_id=tokenizer.mask_id)
    original = np.stack([e['tokens'] for e in elements])
    inputs = np.stack([o['tokens'] for o in out])
    selected = np.stack([o['target_mask'] for o in out])
    is_special = np.isin(original, list(special))
    assert not selected[is_special].any() and selected[~is_special].mean() > 0.85
    inserted = inputs[selected & (inputs != original) & (inputs != tokenizer.mask_id)]
    assert inserted.size > 1000 and not np.isin(inserted, list(special)).any()
