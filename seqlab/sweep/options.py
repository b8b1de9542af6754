"""The --sweep_* flags, apart from the runner: reading them imports no Optuna."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Options:
    """The --sweep_* flags."""

    dry_run: bool = False
    retry_failed: bool = False
    storage: str | None = None  # default: SQLite in the sweep directory
    parallel: int = 1  # trials at a time in this process
    heartbeat: int = 30  # seconds between heartbeats; a trial is stale after 3 missed ones
