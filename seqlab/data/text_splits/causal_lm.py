"""The 'causal_lm' layout: each split's texts joined by eos into one stream, cut into windows of
max_length + 1 tokens (`lm_windows`; inputs tokens[:, :-1], targets tokens[:, 1:])."""

from collections.abc import Sequence

import numpy as np

from seqlab.data import text
from seqlab.data.recipe import Recipe
from seqlab.data.text_splits.opened import Opened, Rows, row_example
from seqlab.data.text_splits.vocabulary import texts, token_bytes
from seqlab.data.tokenizers import Tokenizer


def lm_windows(records: Sequence, tokenizer: Tokenizer, max_length: int) -> Rows:
    """The records' ids joined by eos (one stream, in split order) cut into windows: tokens,
    token_mask (and token_bytes) [n, max_length + 1]."""
    stream = []
    for line in texts(records):
        stream += [*tokenizer.encode(line), tokenizer.eos_id]
    windows = text.lm_windows(stream, max_length, tokenizer.pad_id)
    arrays = {'tokens': windows['tokens'], 'token_mask': windows['mask']}
    sizes = token_bytes(tokenizer)
    if sizes is not None:
        arrays['token_bytes'] = np.where(windows['mask'], sizes[windows['tokens']], 0)
    return Rows(arrays)


def read(opened: Opened) -> Recipe:
    """Windows of max_length + 1 tokens over each split's texts joined by eos (`lm_windows`)."""
    length = opened.data_config.max_length
    return opened.recipe(
        train=lm_windows(opened.train, opened.tokenizer, length),
        eval=lm_windows(opened.eval, opened.tokenizer, length),
        prepare=row_example,
    )
