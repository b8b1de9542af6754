"""Text transforms: variable-length id sequences -> fixed-shape padded batches with masks.

A batch is `{'tokens': int32 [batch, length], 'mask': bool [batch, length]}` where `mask` is True
on real tokens and False on padding, so losses and metrics can ignore padding. `length` is the
longest sequence, a fixed length, or the smallest bucket that fits the longest sequence (a few
buckets keep the number of distinct shapes, and so of jit compilations, small).
Tokenizers live in `seqlab.data.tokenizers`.
"""

from collections.abc import Sequence

import numpy as np

from seqlab.data.tokenizers import PAD_ID


def bucket_length(length: int, buckets: Sequence[int]) -> int:
    """Smallest bucket >= `length`."""
    fitting = [b for b in buckets if b >= length]
    if not fitting:
        raise ValueError(f'length {length} exceeds every bucket; allowed: <= {max(buckets)}')
    return min(fitting)


def pad_batch(
    sequences: Sequence[Sequence[int]],
    pad_id: int = PAD_ID,
    length: int | None = None,
    buckets: Sequence[int] | None = None,
) -> dict[str, np.ndarray]:
    """Pads `sequences` on the right to one length.

    Args:
      sequences: `batch` lists of ids, any lengths.
      pad_id: id written into padding positions.
      length: pad to exactly this length (longer sequences are an error).
      buckets: pad to the smallest of these lengths that fits the longest sequence.
        At most one of `length` and `buckets`; with neither, pad to the longest sequence.

    Returns:
      tokens: int32 [batch, L]; mask: bool [batch, L], True where tokens are real.
    """
    if length is not None and buckets is not None:
        raise ValueError(f'give length ({length}) or buckets ({buckets}), not both')
    longest = max((len(s) for s in sequences), default=0)
    if buckets is not None:
        length = bucket_length(longest, buckets)
    elif length is None:
        length = longest
    elif longest > length:
        raise ValueError(f'sequence of length {longest} exceeds length; allowed: <= {length}')
    tokens = np.full((len(sequences), length), pad_id, dtype=np.int32)
    mask = np.zeros((len(sequences), length), dtype=bool)
    for row, sequence in enumerate(sequences):
        tokens[row, : len(sequence)] = sequence
        mask[row, : len(sequence)] = True
    return {'tokens': tokens, 'mask': mask}


def lm_windows(ids: Sequence[int], length: int, pad_id: int = PAD_ID) -> dict[str, np.ndarray]:
    """Cuts a token stream into windows of `length + 1` ids for next-token prediction.

    Consecutive windows share one id (window k covers ids[k*length : (k+1)*length + 1]), so with
    inputs = tokens[:, :-1] and targets = tokens[:, 1:] every id after the first is a target
    exactly once. The last window is padded and masked; fewer than two ids give no windows.

    Returns:
      tokens: int32 [windows, length + 1]; mask: bool [windows, length + 1].
    """
    if length < 1:
        raise ValueError(f'window length {length} invalid; allowed: >= 1')
    starts = range(0, len(ids) - 1, length)
    return pad_batch([ids[s : s + length + 1] for s in starts], pad_id, length=length + 1)
