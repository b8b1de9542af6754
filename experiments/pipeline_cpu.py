"""CPU time the training input pipeline spends per batch (read, decode, augment, stack, finalize).

Indexes `splits.train[i]` of a config's dataset on this thread (no read-ahead threads) and times
each block of batches with `time.process_time`, which counts every thread of the process (the
array_record readers included) and, unlike wall time, hardly moves on a shared machine. Prints
the median over blocks. To compare with another commit, run it there too (`git worktree add`).

  python experiments/pipeline_cpu.py                      # configs/vit.py
  python experiments/pipeline_cpu.py --config configs/spec_cnn.py --blocks 5
"""

import argparse
import statistics
import time

import benchlib  # noqa: F401  (puts the repository on sys.path)

from seqlab import data, launcher


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default='configs/vit.py')
    parser.add_argument('--blocks', type=int, default=10)
    parser.add_argument('--batches-per-block', type=int, default=30)
    args = parser.parse_args()
    config = launcher.load_config(args.config, {})
    train = data.get(config.data, seed=0).train
    for index in range(3):  # open readers, warm caches
        train[index]
    per_batch = []
    for block in range(args.blocks):
        start = 3 + block * args.batches_per_block
        cpu = time.process_time()
        for index in range(start, start + args.batches_per_block):
            train[index]
        per_batch.append((time.process_time() - cpu) / args.batches_per_block * 1e3)
    print(
        f'{args.config} ({config.data.name}, batch {config.data.batch_size}): '
        f'{statistics.median(per_batch):.2f} ms CPU per batch (median of {args.blocks} blocks '
        f'of {args.batches_per_block}; blocks {", ".join(f"{ms:.2f}" for ms in per_batch)})'
    )


if __name__ == '__main__':
    main()
