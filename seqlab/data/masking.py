"""BERT masking of a token sequence for masked-language-model training.

Each real content token (token_mask True, id >= NUM_SPECIAL: never padding, bos/eos/unk/mask) is
selected with probability `rate` (BERT: 0.15). A selected token becomes the mask id with
probability 0.8, a uniformly random content id with probability 0.1, and stays unchanged with
probability 0.1; the model is scored only on selected positions, against the original ids.
The draw depends only on the generator, so a seeded generator gives the same masking every time.
"""

import numpy as np

from seqlab.data.tokenizers import NUM_SPECIAL

MASK_FRACTION, RANDOM_FRACTION = 0.8, 0.1  # the remaining 0.1 keeps the original token


def mask_tokens(
    element: dict,
    rng: np.random.Generator,
    *,
    rate: float,
    mask_id: int,
    vocab_size: int,
) -> dict:
    """Masks `element['tokens']` (int [T]) where `element['token_mask']` (bool [T]) is True.

    Returns the element with `tokens` replaced by the model inputs and two new keys:
    `targets` int32 [T] (the original ids) and `target_mask` bool [T] (the selected positions).
    Random replacements are drawn from the content ids [NUM_SPECIAL, vocab_size).
    """
    tokens = np.asarray(element['tokens'])
    maskable = np.asarray(element['token_mask'], bool) & (tokens >= NUM_SPECIAL)
    selected = maskable & (rng.random(tokens.shape) < rate)
    action = rng.random(tokens.shape)
    random_ids = rng.integers(NUM_SPECIAL, vocab_size, tokens.shape)
    inputs = np.where(selected & (action < MASK_FRACTION), mask_id, tokens)
    replace = selected & (action >= MASK_FRACTION) & (action < MASK_FRACTION + RANDOM_FRACTION)
    inputs = np.where(replace, random_ids, inputs)
    return {
        **element,
        'tokens': inputs.astype(np.int32),
        'targets': tokens.astype(np.int32),
        'target_mask': selected,
    }
