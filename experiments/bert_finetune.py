"""Does masked-LM pre-training on the KJV help WordNet supersense classification?

Three runs of configs/bert.py: `pretrain` (masked LM on kjv), `finetune` (the 45-way classifier,
embeddings and encoder from the pre-training checkpoint) and `scratch` (the same classifier,
same tokenizer and steps, from a random init); next to TF-IDF + logistic regression
(results/peer_text.md). Each run's best checkpoint on the validation split is evaluated once on
the test split; wall time and machine load are recorded per run.

  python experiments/bert_finetune.py --train --runs pretrain   # workdirs: runs/bert_finetune/<run>
  python experiments/bert_finetune.py --train --runs finetune
  python experiments/bert_finetune.py --train --runs scratch
  python experiments/bert_finetune.py                          -> results/bert_finetune.md
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import report  # noqa: E402
from trained_runs import best_step, parse_args, publish, timing, train, train_time, workdir  # noqa: E402

from seqlab import launcher  # noqa: E402
from seqlab.train import loop  # noqa: E402

ROOT = 'runs/bert_finetune'  # workdirs are <root>/<run>
RUNS = {  # name -> (config argument, what it is)
    'pretrain': ('', 'masked LM on kjv (pre-training)'),
    'finetune': ('finetune', 'BERT fine-tuned from the pre-training checkpoint'),
    'scratch': ('finetune,scratch', 'the same classifier from scratch'),
}


def peer(path: str = 'results/peer_text.md') -> tuple[str, float]:
    """(name, test accuracy %) of the TF-IDF + logistic regression row."""
    with open(path) as handle:
        name, accuracy = re.search(
            r'\| (TF-IDF[^|]*) \| ([\d.]+)% accuracy', handle.read()
        ).groups()
    return name.strip(), float(accuracy)


def config(name: str, root: str):
    arg = RUNS[name][0]
    overrides = {'init.source': workdir(root, 'pretrain')} if name == 'finetune' else {}
    return launcher.load_config(f'configs/bert.py:{arg}' if arg else 'configs/bert.py', overrides)


def command(name: str) -> str:
    arg = RUNS[name][0]
    return f'python launch.py --config=configs/bert.py{":" + arg if arg else ""}'


def test_metrics(name: str, root: str) -> tuple[int, dict]:
    """(best validation step, test metrics at that step)."""
    run_config, directory = config(name, root), workdir(root, name)
    step, _ = best_step(run_config, directory)
    run_config.data.eval_split = 'test'
    return step, loop.evaluate(run_config, directory, step)


def main() -> None:
    args = parse_args(__doc__, RUNS, ROOT, 'results/bert_finetune.md')
    if args.train:
        for name in args.names:
            train(config(name, args.root), workdir(args.root, name))
        return
    name, accuracy = peer()
    rows = [
        '| run | command | best step | test | train time |',
        '|---|---|---|---|---|',
    ]
    for run in args.names:
        step, metrics = test_metrics(run, args.root)
        if run == 'pretrain':
            result = (
                f'masked-token accuracy {100 * metrics["eval/accuracy"]:.1f}%, '
                f'loss {metrics["eval/loss"]:.3f}'
            )
        else:
            result = f'**{100 * metrics["eval/accuracy"]:.1f}%** accuracy'
        rows.append(
            f'| {RUNS[run][1]} | `{command(run)}` | {step} | {result} | '
            f'{train_time(timing(workdir(args.root, run)))} |'
        )
    rows.append(f'| {name} (peer, results/peer_text.md) | `python experiments/peer_text.py` | '
                f'— | **{accuracy:.1f}%** accuracy | — |')  # fmt: skip
    root = '' if args.root == ROOT else f' --root {report.shown(args.root)}'
    header = [
        '# BERT: KJV masked-LM pre-training, fine-tuned on wordnet_supersense',
        '',
        f'Command: `python experiments/bert_finetune.py{root}` (after the three `--train` runs). '
        'Test splits: kjv Hebrews-Revelation, '
        'wordnet_supersense md5 split; the best checkpoint on validation is tested once. '
        'Train time: wall clock of the training process on the 2-core machine, with the '
        '1-minute load average before and after.',
        '',
    ]
    publish('\n'.join(header + rows) + '\n', args.out)


if __name__ == '__main__':
    main()
