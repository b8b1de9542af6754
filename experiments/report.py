"""The one way an experiment publishes its results table: print it and write it to a file."""

import os


def publish(text: str, path: str) -> None:
    """Prints `text` and writes it to `path` (its directory made if needed)."""
    print(text)
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    with open(path, 'w') as handle:
        handle.write(text)
