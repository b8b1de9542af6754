"""Record scan cost: what checking every record before training adds to a launch, per default
dataset, the first time and once the scan is remembered (seqlab/data/record_scan.py).

For each config's default dataset (prepared beforehand), `data.get` runs twice: first with its
`record_scans.json` removed (a first launch on these files), then again (a second launch). The scan
column is the time spent in the record checks alone (`record_scan.scan`, and
`graph_splits.check_graphs` for graphs, which check records read anyway and keep no memo).

  python experiments/bench_record_scan.py  # -> results/bench_record_scan.md
"""

import argparse
import collections
import functools
import glob
import os
import time
from collections.abc import Callable

import benchlib

from seqlab import data, launcher
from seqlab.data import graph_splits, record_scan

CONFIGS = (
    'configs/vit.py',
    'configs/text_cnn.py',
    'configs/gpt.py',
    'configs/spec_cnn.py',
    'configs/graphormer.py',
    'configs/forecast.py',
    'configs/causal_cnn.py',
)


def timed(spent: collections.Counter, module, name: str) -> None:
    """Replaces `module.name` by a wrapper that adds its wall seconds to `spent['scan']`."""
    original: Callable = getattr(module, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent['scan'] += time.perf_counter() - start

    setattr(module, name, wrapper)


def forget_scans(root: str, name: str) -> None:
    """Removes the remembered scans of dataset `name` under the data dir `root`."""
    dataset = name.partition('/')[0]
    pattern = os.path.join(root, dataset, '**', record_scan.MEMO_FILE)
    for path in glob.glob(pattern, recursive=True):
        os.remove(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--configs', default=','.join(CONFIGS))
    parser.add_argument('--out', default='results', help='directory for bench_record_scan.md')
    args = parser.parse_args()
    spent = collections.Counter()
    timed(spent, record_scan, 'scan')
    timed(spent, graph_splits, 'check_graphs')
    load_before = benchlib.load_average()
    rows = []
    for spec in args.configs.split(','):
        config = launcher.load_config(spec, {})
        data.get(config.data, seed=0)  # prepared (and its tokenizer trained) before timing
        forget_scans(data.data_dir(config.data), config.data.name)
        cells = []
        for _ in ('first', 'memoized'):
            spent.clear()
            start = time.perf_counter()
            splits = data.get(config.data, seed=0)
            cells += [f'{time.perf_counter() - start:.2f}', f'{spent["scan"]:.2f}']
        records = f'{splits.info.num_train} + {splits.info.num_eval}'
        rows.append([f'`{spec}`', config.data.name, records, *cells])
    lines = [
        '# Record scan: checking every record before training',
        '',
        'Command: `python experiments/bench_record_scan.py`',
        f'Machine: {benchlib.machine()}.',
        f'Load average (1 min) before / after: {load_before} / {benchlib.load_average()}.',
        '',
        'Seconds of `data.get` (opening the prepared splits, as preflight does) and of the record '
        'checks within it; "records" counts the train + eval examples the run reads. Vision and '
        'language-model text are not scanned (uint8 images cannot be degenerate; LM texts are '
        'read whole to cut windows); graphs and series check the records they read anyway.',
        '',
        *benchlib.markdown_table(
            [
                'config',
                'dataset',
                'records',
                'first: data.get s',
                'first: scan s',
                'memoized: data.get s',
                'memoized: scan s',
            ],
            rows,
        ),
    ]
    benchlib.write_report(args.out, 'bench_record_scan', lines)


if __name__ == '__main__':
    main()
