"""Dataset assets (a tokenizer, ...) saved in the workdir with the checkpoints.

`DatasetInfo.assets` maps a file name to its source path; a run keeps a copy of each in
`<workdir>/assets/<name>`. The first run writes the copies (atomically: a partial file is never
visible under its final name); every later run on the workdir checks that each source is still
byte-identical to its copy, since a checkpoint is only meaningful with the assets it was trained
with.
"""

import filecmp
import os
import shutil
from collections.abc import Mapping

from seqlab.config import ConfigError

DIRECTORY = 'assets'


def check(assets: Mapping[str, str], workdir: str) -> None:
    """Raises ConfigError if a copy already in <workdir>/assets/ differs from its source; reads
    only (a run checks this before it compiles anything)."""
    for name, source in sorted(assets.items()):
        copy = os.path.join(workdir, DIRECTORY, name)
        if os.path.exists(copy) and not filecmp.cmp(source, copy, shallow=False):
            raise ConfigError(
                f'dataset asset {name!r} changed since this run started: {source} differs from '
                f'the copy in {copy} (the tokenizer the checkpoints were trained with); allowed: '
                'the data the run started with, or a new --workdir'
            )


def sync(assets: Mapping[str, str], workdir: str) -> dict[str, str]:
    """Copies each asset to <workdir>/assets/<name>, or checks an existing copy equals its source.

    Returns name -> path of the workdir copy. Raises ConfigError if a copy differs from its source.
    """
    check(assets, workdir)
    directory = os.path.join(workdir, DIRECTORY)
    copies = {}
    for name, source in sorted(assets.items()):
        copy = os.path.join(directory, name)
        if not os.path.exists(copy):
            os.makedirs(directory, exist_ok=True)
            partial = f'{copy}.{os.getpid()}.tmp'
            shutil.copyfile(source, partial)
            os.replace(partial, copy)
        copies[name] = copy
    return copies
