"""Seq2seq pairs: (source, target) texts -> fixed-shape id arrays with masks.

    source  int32 [n, max_length]         ids of the source text, then pad_id
    target  int32 [n, target_length + 1]  bos, ids of the target text, eos, then pad_id
    source_mask, target_mask  bool, True on real tokens (for the target: bos through eos)

A decoder reads target[:, :-1] (bos first) and predicts target[:, 1:] (eos last) where
target_mask[:, 1:], so `target_length` counts the predicted tokens: the target's ids and eos.
Texts that do not fit are errors, never truncated: a cut target would score a cut answer (a
ConfigError naming the length to set); a text without tokens is a BadRecordError.
"""

from collections.abc import Sequence

import numpy as np

from seqlab.config import ConfigError
from seqlab.data import text
from seqlab.data.tokenizers import Tokenizer
from seqlab.data.types import BadRecordError


def _ids(tokenizer: Tokenizer, content: str, what: str, split: str, index: int) -> list[int]:
    ids = tokenizer.encode(content)
    if not ids:
        raise BadRecordError(
            f'{split} example {index}: {what} {content!r} has no tokens; allowed: a non-empty '
            f'{what} text'
        )
    return ids


def _check_fits(lengths: list[int], limit: int, key: str, what: str, split: str) -> None:
    longest = int(np.argmax(lengths))
    if lengths[longest] > limit:
        raise ConfigError(
            f'config.data.{key}={limit} is shorter than {split} example {longest}, whose {what} '
            f'has {lengths[longest]} tokens; allowed: >= {lengths[longest]}'
        )


def encode_pairs(
    pairs: Sequence[tuple[str, str]],
    tokenizer: Tokenizer,
    max_length: int,
    target_length: int,
    split: str,
) -> dict[str, np.ndarray]:
    """The arrays above for `pairs` (in order); `split` names the split in error messages."""
    if not pairs:
        raise ConfigError(f'split {split!r} has no (source, target) pairs')
    sources, targets = [], []
    for index, (source, target) in enumerate(pairs):
        sources.append(_ids(tokenizer, source, 'source', split, index))
        ids = _ids(tokenizer, target, 'target', split, index)
        targets.append([tokenizer.bos_id, *ids, tokenizer.eos_id])
    _check_fits([len(s) for s in sources], max_length, 'max_length', 'source', split)
    _check_fits(
        [len(t) - 1 for t in targets], target_length, 'target_length', 'target + eos', split
    )
    source = text.pad_batch(sources, tokenizer.pad_id, length=max_length)
    target = text.pad_batch(targets, tokenizer.pad_id, length=target_length + 1)
    return {
        'source': source['tokens'],
        'source_mask': source['mask'],
        'target': target['tokens'],
        'target_mask': target['mask'],
    }
