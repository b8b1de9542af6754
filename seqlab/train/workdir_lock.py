"""One training per workdir: `<workdir>/train.lock`, held for the whole run by its owner.

Two trainings writing one workdir would interleave their checkpoints and logs (a later resume
keeps the duplicated, out-of-order steps), so the training that owns a workdir holds an exclusive
`flock` on `train.lock`, whose text names it (pid, host, start time). A second training is refused
in one line naming that holder. The kernel drops the lock when its process dies, however it dies,
so a lock left by a SIGKILLed run is stale by construction: the next training takes it over and
says whose it was. A clean exit empties the file. Read-only modes (eval, predict, generate,
figures) take no lock. In a multi-process run only process 0 holds it.
"""

import contextlib
import datetime
import fcntl
import json
import logging
import os
import socket
from collections.abc import Iterator

from seqlab.config import ConfigError

log = logging.getLogger('seqlab')
LOCK_FILE = 'train.lock'


class WorkdirBusyError(ConfigError):
    """Another training holds the workdir."""


def _holder(text: str) -> str:
    """'pid 12 on host h, started 2026-12-06 10:00:00 UTC' from the lock file's text."""
    try:
        info = json.loads(text)
        return f'pid {info["pid"]} on host {info["host"]}, started {info["started"]}'
    except (ValueError, KeyError, TypeError):
        return 'an unknown process'


def check_free(workdir: str, process_index: int = 0) -> None:
    """Raise WorkdirBusyError if another training holds `workdir`; writes and creates nothing
    (a probe before compiling, so a second training is refused at once)."""
    if process_index != 0:
        return
    try:
        fd = os.open(os.path.join(workdir, LOCK_FILE), os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # fails only while a holder has it
        except BlockingIOError:
            raise _busy(workdir, fd) from None
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _busy(workdir: str, fd: int) -> WorkdirBusyError:
    return WorkdirBusyError(
        f'--workdir={workdir!r} is in use by another training ({_holder(_read(fd))}); '
        'allowed: wait for it to finish or stop it, or choose another --workdir'
    )


@contextlib.contextmanager
def hold(workdir: str, process_index: int = 0) -> Iterator[None]:
    """Hold `<workdir>/train.lock` (created with `workdir` if needed) for the `with` body; raises
    WorkdirBusyError, before anything else is written, when another training holds it."""
    if process_index != 0:
        yield
        return
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, LOCK_FILE)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _busy(workdir, fd) from None
        previous = _read(fd)
        if previous:
            log.warning(
                'taking over the stale lock of %s: it is no longer running', _holder(previous)
            )
        _write(fd, json.dumps(_me()))
        try:
            yield
        finally:
            _write(fd, '')
    finally:
        os.close(fd)  # closing releases the flock


def _me() -> dict:
    started = datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M:%S UTC')
    return {'pid': os.getpid(), 'host': socket.gethostname(), 'started': started}


def _read(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, 4096).decode(errors='replace').strip()


def _write(fd: int, text: str) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, text.encode(), 0)
    os.fsync(fd)
