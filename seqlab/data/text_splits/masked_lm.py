"""The 'masked_lm' layout: windows of max_length tokens over the texts joined by eos (as for
causal_lm), BERT-masked at `config.data.mask_rate` (seqlab/data/masking.py): anew at each read of
a train window, fixed per eval window."""

import functools

import numpy as np

from seqlab.config import ConfigError
from seqlab.data import masking
from seqlab.data.recipe import Recipe
from seqlab.data.text_splits.causal_lm import lm_windows
from seqlab.data.text_splits.opened import Opened, row_example


def fixed_masking(index: int, record: dict, *, prepare, mask, seed: int) -> dict:
    """`mask(prepare(index, record), rng)` with rng seeded by (seed, index): the same masking at
    every evaluation."""
    return mask(prepare(index, record), np.random.default_rng((seed, index)))


def read(opened: Opened) -> Recipe:
    """Windows of max_length tokens over the texts joined by eos, BERT-masked at
    `config.data.mask_rate`: anew at each read of a train window, fixed per eval window."""
    rate, tokenizer = opened.data_config.mask_rate, opened.tokenizer
    if tokenizer.mask_id is None:
        raise ConfigError(
            f'config.data.mask_rate={rate} needs a mask token, and the tokenizer '
            f'{opened.tokenizer_path} has none; allowed: 0.0 for it'
        )
    mask = functools.partial(
        masking.mask_tokens,
        rate=rate,
        mask_id=tokenizer.mask_id,
        content_ids=masking.content_ids(tokenizer),
    )
    length = opened.data_config.max_length - 1
    return opened.recipe(
        train=lm_windows(opened.train, tokenizer, length),
        eval=lm_windows(opened.eval, tokenizer, length),
        prepare=row_example,
        augment=mask,
        eval_prepare=functools.partial(
            fixed_masking, prepare=row_example, mask=mask, seed=opened.seed
        ),
    )
