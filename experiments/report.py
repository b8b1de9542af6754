"""The one way an experiment publishes its results table: print it and write it to a file.

A results file must read the same on every machine, so it names paths relative to the directory
the experiment runs in (the repository root) and never an absolute path of the machine that made
it: `shown` and `command` turn arguments into such text, and `publish` rewrites any remaining
absolute path under the current directory to its relative form.
"""

import os
import sys


def shown(path: str) -> str:
    """`path` as a results file shows it: relative to the current directory when it lies inside
    it, else only its last component (`<outside>/name`), never the machine's absolute path."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    if relative != os.pardir and not relative.startswith(os.pardir + os.sep):
        return relative
    return f'<outside>/{os.path.basename(absolute.rstrip(os.sep))}'


def command(argv: list[str] | None = None) -> str:
    """`python <script> <args>` as typed, with every absolute path argument `shown`."""
    parts = []
    for arg in sys.argv if argv is None else argv:
        flag, equals, value = arg.partition('=') if arg.startswith('--') else ('', '', arg)
        if os.path.isabs(value):
            value = shown(value)
        parts.append(f'{flag}{equals}{value}')
    return 'python ' + ' '.join(parts)


def publish(text: str, path: str) -> None:
    """Prints `text` and writes it to `path` (its directory made if needed), with absolute paths
    under the current directory made relative."""
    print(text.replace(os.getcwd() + os.sep, ''))
    write(text, path)


def write(text: str, path: str) -> None:
    """Writes `text` to `path` (its directory made if needed), with absolute paths under the
    current directory made relative; prints nothing."""
    text = text.replace(os.getcwd() + os.sep, '')
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    with open(path, 'w') as handle:
        handle.write(text)
