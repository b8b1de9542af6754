"""The seqlab source a process runs, as one digest.

Bit-exact resume holds for the same code only: a checkpoint records the digest of the seqlab
source that wrote it, and a resumed run whose source differs says so (a shared checkout edited
while a run was interrupted otherwise resumes silently into a run that equals neither version).
"""

import functools
import hashlib
import os

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@functools.cache
def digest() -> str:
    """sha256 (first 16 hex digits) over the path and bytes of every .py file of the package,
    computed once per process, at its first call (the start of training)."""
    sha = hashlib.sha256()
    for root, dirs, names in os.walk(PACKAGE):
        dirs.sort()
        for name in sorted(n for n in names if n.endswith('.py')):
            path = os.path.join(root, name)
            sha.update(os.path.relpath(path, PACKAGE).encode() + b'\0')
            with open(path, 'rb') as f:
                sha.update(f.read() + b'\0')
    return sha.hexdigest()[:16]
