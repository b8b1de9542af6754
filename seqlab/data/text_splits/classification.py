"""The 'classification' layout: the first max_length tokens of each `text`, padded, with its
ClassLabel `label`; every record of both splits is scanned first (an empty text is refused
naming its record; seqlab/data/record_scan.py)."""

import functools

import numpy as np

from seqlab.data import record_scan, records, text
from seqlab.data.recipe import Recipe
from seqlab.data.text_splits.opened import Opened
from seqlab.data.tokenizers import Tokenizer
from seqlab.data.types import BadRecordError


def classification_ids(record: dict, *, tokenizer: Tokenizer, max_length: int) -> list[int]:
    """The first max_length token ids of `text`; an empty text (no tokens) is refused. The
    per-record check of classification datasets (`classification_example` and the record scan)."""
    ids = tokenizer.encode(record['text'].decode('utf-8'))[:max_length]
    if not ids:
        raise BadRecordError(
            'text is empty (no tokens) and has no class to learn from; allowed: texts of at least '
            'one token'
        )
    return ids


def classification_example(
    index: int, record: dict, *, split: str, tokenizer: Tokenizer, max_length: int
) -> dict:
    """The first max_length tokens of `text`, padded to max_length; an empty text is refused,
    naming its `split` and index."""
    with record_scan.naming(split, index):
        ids = classification_ids(record, tokenizer=tokenizer, max_length=max_length)
    padded = text.pad_batch([ids], tokenizer.pad_id, length=max_length)
    return {
        'tokens': padded['tokens'][0],
        'token_mask': padded['mask'][0],
        'label': np.int32(record['label']),
        'id': records.source_id(index, record),
        'mask': np.float32(1.0),
    }


def read(opened: Opened) -> Recipe:
    """The first max_length tokens of each `text`, padded, with its `label` (ClassLabel); every
    record of both splits is scanned first (an empty text is refused naming its record)."""
    data_config, tokenizer = opened.data_config, opened.tokenizer
    label = opened.builder.info.features['label']  # a ClassLabel (`checks.layout_keys`)
    length = data_config.max_length
    check = functools.partial(classification_ids, tokenizer=tokenizer, max_length=length)
    scanned = f'text classification, tokenizer {record_scan.file_identity(opened.tokenizer_path)}'
    sources = (opened.train, opened.eval)
    record_scan.scan_splits(opened.builder, data_config, sources, check, scanned)
    example = functools.partial(classification_example, tokenizer=tokenizer, max_length=length)
    return opened.recipe(
        train=opened.train,
        eval=opened.eval,
        prepare=functools.partial(example, split=data_config.train_split),
        eval_prepare=functools.partial(example, split=data_config.eval_split),
        num_classes=label.num_classes,
        extras={'class_names': tuple(label.names)},
    )
