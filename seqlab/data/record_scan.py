"""Every record of a prepared split checked before training: the first bad one refused by name.

`scan_split` calls a modality's per-record check (the same function its `prepare` calls, so a
record fails here exactly when its batch would fail mid-training) on every record of a split, in
`recipe`, so before the workdir is touched and before anything compiles. The first bad record
is refused with one line, `<dataset> <split> record <index>: <what is wrong>; <what is allowed>`,
index being the record's position in its TFDS split (the batches' `id`).

A passed scan is remembered in `record_scans.json` next to the prepared files (under
`~/.cache/seqlab/record_scans/` where that directory is read-only), keyed by the check and by each
file's path, size and mtime_ns (and the records of it the split takes): a second launch on the same
files reads nothing, a rewritten file is scanned again.

Who scans: text classification (empty texts) and audio (empty or non-finite clips) read their
records only in batches, so `recipe` scans them. Graphs and series read every record in
`recipe` anyway and check them there (no second read); language-model and seq2seq texts are
read whole to build their windows and pairs; vision images are uint8 and cannot be degenerate, so
they are not checked (splits held in memory by `seqlab/data/cache.py` read every record already).
A record rewritten after the scan is still refused when its batch is read (`loop.DataError`).
"""

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import ml_collections
import tensorflow_datasets as tfds

from seqlab.data import holdout, records
from seqlab.data.types import BadRecordError

log = logging.getLogger('seqlab')
MEMO_FILE = 'record_scans.json'
FALLBACK_MEMO_DIR = '~/.cache/seqlab/record_scans'
READ_CHUNK = 1024  # records per batched read


@contextlib.contextmanager
def naming(where: str, index: int) -> Iterator[None]:
    """Re-raises a BadRecordError raised inside as one line `<where> record <index>: <error>`
    (any other exception passes unchanged: it is a bug, not a bad record)."""
    try:
        yield
    except BadRecordError as error:
        raise BadRecordError(f'{where} record {index}: {error}') from None


def file_identity(path: str) -> list:
    """[path, size, mtime_ns]: a rewritten file gets another identity."""
    stat = os.stat(path)
    return [path, stat.st_size, stat.st_mtime_ns]


def file_identities(builder: tfds.core.DatasetBuilder, split: str) -> list[list]:
    """[path, size, mtime_ns, skip, take] of each file the split `split` reads (a split carved
    from train reads train's: seqlab/data/holdout.py)."""
    if holdout.carved(builder) and split in (holdout.TRAIN, holdout.VALIDATION):
        split = holdout.TRAIN
    return [
        [*file_identity(instruction.filename), instruction.skip, instruction.take]
        for instruction in builder.info.splits[split].file_instructions
    ]


def memo_path(data_dir: str) -> str:
    """`record_scans.json` in `data_dir` if it is writable, else one per data dir in the cache."""
    if os.access(data_dir, os.W_OK):
        return os.path.join(data_dir, MEMO_FILE)
    digest = hashlib.sha256(os.path.abspath(data_dir).encode()).hexdigest()[:16]
    return os.path.join(os.path.expanduser(FALLBACK_MEMO_DIR), f'{digest}.json')


def read_memo(path: str) -> dict[str, Any]:
    """The remembered scans, digest -> what was scanned; {} if none (or unreadable)."""
    try:
        with open(path) as f:
            memo = json.load(f)
    except (OSError, ValueError):
        return {}
    return memo if isinstance(memo, dict) else {}


def remember(path: str, digest: str, entry: dict[str, Any]) -> None:
    """Adds a passed scan to the memo at `path`, replacing the same check's older scan of the same
    split (written atomically; a failure only warns)."""
    same = (entry['check'], entry['split'])
    memo = {d: e for d, e in read_memo(path).items() if (e.get('check'), e.get('split')) != same}
    memo[digest] = entry
    partial = f'{path}.{os.getpid()}.tmp'
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(partial, 'w') as f:
            json.dump(memo, f, indent=1, sort_keys=True)
        os.replace(partial, path)
    except OSError as error:
        log.warning('could not remember the record scan in %s: %s', path, error)


def scan(source: Sequence, check: Callable[[Any], Any], where: str) -> None:
    """`check(record)` on every record of `source`, read `READ_CHUNK` at a time; the first
    BadRecordError is re-raised naming `where` and the record's index."""
    readable = records.decoded(source)
    for start in range(0, len(readable), READ_CHUNK):
        indices = list(range(start, min(start + READ_CHUNK, len(readable))))
        for index, record in zip(indices, readable.__getitems__(indices), strict=True):
            with naming(where, index):
                check(record)


def scan_split(
    builder: tfds.core.DatasetBuilder,
    split: str,
    source: Sequence,
    check: Callable[[Any], Any],
    *,
    dataset: str,
    check_id: str,
) -> None:
    """`scan` of split `split` of `builder` (read through `source`) unless the same check passed on
    the same files before; `check_id` names the check and what it depends on (a tokenizer). A
    split read from no files (held in memory) is scanned every time."""
    files = file_identities(builder, split)
    if not files:
        scan(source, check, f'{dataset} {split}')
        return
    key = {'check': check_id, 'split': split, 'files': files}
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()
    path = memo_path(builder.data_dir)
    if digest in read_memo(path):
        return
    scan(source, check, f'{dataset} {split}')
    remember(path, digest, {**key, 'dataset': dataset, 'records': len(source)})


def scan_splits(
    builder: tfds.core.DatasetBuilder,
    data_config: ml_collections.ConfigDict,
    sources: tuple[Sequence, Sequence],
    check: Callable[[Any], Any],
    check_id: str,
) -> None:
    """`scan_split` of the run's train and eval splits (`data_config.train_split`, `.eval_split`),
    read through `sources` (train, eval)."""
    for key, split_source in zip(('train_split', 'eval_split'), sources, strict=True):
        scan_split(
            builder,
            data_config[key],
            split_source,
            check,
            dataset=data_config.name,
            check_id=check_id,
        )
