"""BERT masking of a token sequence for masked-language-model training.

Each real content token (token_mask True and a content id: never padding, bos/eos/unk/mask or
another special id of the tokenizer) is selected with probability `rate` (BERT: 0.15). A selected token becomes the mask id with
probability 0.8, a uniformly random content id with probability 0.1, and stays unchanged with
probability 0.1; the model is scored only on selected positions, against the original ids.
The draw depends only on the generator, so a seeded generator gives the same masking every time.
"""

import numpy as np

from seqlab.data.tokenizers import Tokenizer

MASK_RATE = 0.15  # BERT's share of positions to predict
MASK_FRACTION, RANDOM_FRACTION = 0.8, 0.1  # the remaining 0.1 keeps the original token


def mask_tokens(
    element: dict,
    rng: np.random.Generator,
    *,
    rate: float,
    mask_id: int,
    content_ids: np.ndarray,
) -> dict:
    """Masks `element['tokens']` (int [T]) where `element['token_mask']` (bool [T]) is True.

    `content_ids` (int [C], ascending) are the ids that may be selected and that random
    replacements are drawn from, uniformly (see `content_ids`). Returns the element with `tokens`
    replaced by the model inputs and two new keys: `targets` int32 [T] (the original ids) and
    `target_mask` bool [T] (the selected positions).
    """
    tokens = np.asarray(element['tokens'])
    nearest = np.minimum(np.searchsorted(content_ids, tokens), len(content_ids) - 1)
    content = content_ids[nearest] == tokens  # a binary search: no [vocab] table per example
    maskable = np.asarray(element['token_mask'], bool) & content
    selected = maskable & (rng.random(tokens.shape) < rate)
    action = rng.random(tokens.shape)
    random_ids = content_ids[rng.integers(0, len(content_ids), tokens.shape)]
    inputs = np.where(selected & (action < MASK_FRACTION), mask_id, tokens)
    replace = selected & (action >= MASK_FRACTION) & (action < MASK_FRACTION + RANDOM_FRACTION)
    inputs = np.where(replace, random_ids, inputs)
    return {
        **element,
        'tokens': inputs.astype(np.int32),
        'targets': tokens.astype(np.int32),
        'target_mask': selected,
    }


def content_ids(tokenizer: Tokenizer) -> np.ndarray:
    """int [C]: the ids of `tokenizer` below its vocab_size that are not special, ascending."""
    ids = np.arange(tokenizer.vocab_size)
    return ids[~np.isin(ids, sorted(tokenizer.special_ids))]
