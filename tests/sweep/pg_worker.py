"""One machine of a multi-machine sweep, for test_sweep_postgres.py:

    python -m tests.sweep.pg_worker <storage URL> <sweep directory> <barrier directory> <workers>

Waits until every worker has started (so that they really share the work), runs a 6-trial grid with
fake trial processes, and prints {"code": exit code, "ran": [trial numbers]} as its last line.
"""

import json
import os
import sys
import time

from seqlab import launcher
from seqlab.sweep import runner
from tests.sweep.fakes import FakeProcesses

TRIALS = 6
SPEC = 'configs/vit.py:smoke'  # the runner checks the objective against its evaluation's metrics


def main(url: str, directory: str, barrier: str, workers: int) -> None:
    open(os.path.join(barrier, str(os.getpid())), 'w').close()
    while len(os.listdir(barrier)) < workers:
        time.sleep(0.1)

    def outcome(workdir: str, overrides: dict) -> tuple[int, float]:
        time.sleep(1.0)
        return 0, int(overrides['seed']) / 10

    processes = FakeProcesses(outcome)
    code = runner.run(
        SPEC,
        {},
        launcher.load_config(SPEC, {}),
        lambda arg: dict(grid={'seed': list(range(TRIALS))}),
        directory,
        runner.Options(storage=url, heartbeat=1),
        processes,
    )
    print(json.dumps({'code': code, 'ran': [int(os.path.basename(w)) for w, _ in processes.calls]}))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
