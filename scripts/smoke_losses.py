"""Every config's smoke run, its logged metrics recorded bit for bit: a refactor's witness.

    python scripts/smoke_losses.py --out before.json       # on the code before a change
    python scripts/smoke_losses.py --compare before.json   # after it: exit 1 on any difference

Each config in configs/ trains its `:smoke` variant in a temporary workdir. Every number in its
metrics.jsonl is written as float.hex(), so equal files mean bitwise-equal losses and metrics.
"""

import argparse
import glob
import json
import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from seqlab import launcher  # noqa: E402
from seqlab.train import loop  # noqa: E402


def smoke_metrics(config_path: str) -> list[dict]:
    """The metrics.jsonl rows of `config_path`'s smoke run, numbers as float.hex()."""
    config = launcher.load_config(config_path + ':smoke', {})
    with tempfile.TemporaryDirectory() as workdir:
        loop.train_and_evaluate(config, workdir)
        with open(os.path.join(workdir, 'metrics.jsonl')) as f:
            rows = [json.loads(line) for line in f]
    return [
        {k: float(v).hex() if isinstance(v, (int, float)) else v for k, v in row.items()}
        for row in rows
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', help='write the metrics of every smoke run to this JSON file')
    parser.add_argument('--compare', help='compare with a file that --out wrote; exit 1 if unequal')
    parser.add_argument('--only', nargs='*', help='config names (e.g. vit gpt); default: all')
    args = parser.parse_args()
    paths = sorted(glob.glob(os.path.join(REPO, 'configs', '*.py')))
    names = [os.path.basename(p)[:-3] for p in paths]
    wanted = args.only or names
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        parser.error(f'unknown configs {unknown}; allowed: {", ".join(names)}')
    runs = {
        name: smoke_metrics(path) for name, path in zip(names, paths, strict=True) if name in wanted
    }
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(runs, f, indent=1, sort_keys=True)
    if not args.compare:
        return 0
    with open(args.compare) as f:
        before = json.load(f)
    differ = [name for name in runs if runs[name] != before.get(name)]
    for name in runs:
        print(f'{name:20s} {"DIFFERS" if name in differ else "bitwise equal"}')
    return 1 if differ else 0


if __name__ == '__main__':
    sys.exit(main())
