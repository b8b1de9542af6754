"""Watch one directory with Linux inotify (through ctypes, no dependency): every entry created,
deleted or renamed in it (and, on request, every write to a file in it), in the order the kernel
saw them.

Tests react to a checkpoint writer at the moment it creates a directory (to stop the process while
the save is in flight), to a log line the moment it is written (to kill a run at a given step), and
replay the exact order of commits and deletions, which polling can miss.
"""

import ctypes
import dataclasses
import os
import select
import struct
import time

MODIFY, CREATE, DELETE, MOVED_FROM, MOVED_TO = 0x2, 0x100, 0x200, 0x40, 0x80
IS_DIR = 0x40000000
_HEADER = struct.Struct('iIII')  # wd, mask, cookie, len of the name that follows
_libc = ctypes.CDLL(None, use_errno=True)


@dataclasses.dataclass(frozen=True)
class Event:
    """One change in the watched directory: `kind` is 'create', 'delete', 'moved_from' or
    'moved_to' (a rename gives both), or 'modify' (a write), `name` the entry's name."""

    kind: str
    name: str


_KINDS = {
    MODIFY: 'modify',
    CREATE: 'create',
    DELETE: 'delete',
    MOVED_FROM: 'moved_from',
    MOVED_TO: 'moved_to',
}


class Watch:
    """`Watch(path)` records from now on; `next(timeout)` returns the next event or None. Writes
    are recorded with `writes=True` only."""

    def __init__(self, path: str, writes: bool = False):
        self.path = path
        self._fd = _libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self._fd < 0:
            raise OSError(ctypes.get_errno(), f'inotify_init1 failed for {path}')
        mask = CREATE | DELETE | MOVED_FROM | MOVED_TO | (MODIFY if writes else 0)
        if _libc.inotify_add_watch(self._fd, os.fsencode(path), mask) < 0:
            error = ctypes.get_errno()
            os.close(self._fd)
            raise OSError(error, f'inotify_add_watch failed: {os.strerror(error)}', path)
        self._pending: list[Event] = []

    def next(self, timeout: float) -> Event | None:
        """The next event, waiting at most `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not self._pending:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._fd], [], [], left)[0]:
                return None
            self._read()
        return self._pending.pop(0)

    def _read(self) -> None:
        buffer = os.read(self._fd, 65536)
        offset = 0
        while offset < len(buffer):
            _, mask, _, length = _HEADER.unpack_from(buffer, offset)
            offset += _HEADER.size
            name = buffer[offset : offset + length].rstrip(b'\0').decode()
            offset += length
            kind = _KINDS.get(mask & ~IS_DIR)
            if kind:
                self._pending.append(Event(kind, name))

    def close(self) -> None:
        os.close(self._fd)

    def __enter__(self) -> 'Watch':
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
