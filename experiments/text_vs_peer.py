"""The text models next to their non-neural peers (results/peer_text.md), in one table:

(a) wordnet_supersense test accuracy of the text CNN and the text transformer vs TF-IDF word
    1-2-grams + logistic regression;
(b) kjv held-out (test: Hebrews-Revelation) bits per byte of the GPT (configs/gpt.py's default,
    BPE tokens) vs xz -9, zstd -19 and bzip2 -9 given the training text, and the best byte n-gram
    (Kneser-Ney).

Each run picks its best checkpoint on the validation split (config.checkpoint.best_metric) and is
evaluated once on the test split, next to its training wall time and machine load. Targets:
both classifiers above the peer; the GPT below every compressor and the n-gram after
at most 30 minutes of training.

  python experiments/text_vs_peer.py --train     # train missing runs (resume unfinished), then test
  python experiments/text_vs_peer.py --runs text_cnn,text_transformer   # test trained runs only
  -> results/text_vs_peer.md
"""

import os
import re
import sys

import benchlib
import trained_runs

from seqlab import launcher
from seqlab.train import state

RUNS = {  # name -> (config, what it is, test metric)
    'text_cnn': ('configs/text_cnn.py', 'text CNN', 'eval/accuracy'),
    'text_transformer': ('configs/text_transformer.py', 'text transformer', 'eval/accuracy'),
    'gpt': ('configs/gpt.py', 'GPT', 'eval/bits_per_byte'),
}
PEER_FILE = 'results/peer_text.md'
GPT_MINUTES = 30.0


def peers(path: str = PEER_FILE) -> dict[str, tuple[str, float]]:
    """From results/peer_text.md: 'tfidf' -> (name, accuracy %), each compressor given the training
    text and the best n-gram order -> (name, bits per byte)."""
    with open(path) as handle:
        text = handle.read()
    name, accuracy = re.search(r'\| (TF-IDF[^|]*) \| ([\d.]+)% accuracy', text).groups()
    found = {'tfidf': (name.strip(), float(accuracy))}
    for compressor in ('xz -9', 'zstd -19', 'bzip2 -9'):
        bits = re.search(
            rf'\| {compressor}, alone / given the training text \| [\d.]+ / ([\d.]+)', text
        )
        found[compressor] = (f'{compressor}, given the training text', float(bits.group(1)))
    ngrams = re.findall(r'\| (byte \d+-gram[^|]*) \| ([\d.]+) \|', text)
    best = min(ngrams, key=lambda pair: float(pair[1]))
    found['ngram'] = (best[0].strip(), float(best[1]))
    return found


def row(name: str, root: str) -> dict:
    spec, label, metric = RUNS[name]
    config = launcher.load_config(spec, {})
    workdir = trained_runs.workdir(root, name)
    run, params, step, validation = trained_runs.restore_best(config, workdir)
    return {
        'label': f'{label} ({config.data.tokenizer} tokens, vocabulary {config.data.vocab_size})',
        'spec': spec,
        'parameters': state.num_params(params),
        'step': step,
        'total': run.plan.total_steps,
        'validation': f'{config.checkpoint.best_metric.removeprefix("eval/")} {validation:.4f}',
        'test': run.evaluate(params)[metric],
        'timing': trained_runs.timing(workdir),
    }


def report(rows: dict[str, dict], peer: dict[str, tuple[str, float]], command: str) -> str:
    lines = [
        '# Text models vs non-neural peers',
        '',
        f'Command: `{command}`. Best checkpoint by the validation split, evaluated once on the '
        f'test split. Peers: {PEER_FILE} (experiments/peer_text.py, same splits). Machine: '
        f'{os.cpu_count()} CPU threads, shared; load average at the start and end of training in '
        'the last column.',
        '',
        '| task | model | test result | best step / steps (validation) | parameters | train time |',
        '|---|---|---|---|---|---|',
        '| **wordnet_supersense** | | **accuracy %** | | | |',
        f'| | {peer["tfidf"][0]} (peer) | {peer["tfidf"][1]:.1f} | — | — | — |',
    ]

    def model_line(r: dict, value: str) -> str:
        timing = trained_runs.train_time(r['timing'])
        return (
            f'| | {r["label"]} `{r["spec"]}` | **{value}** | {r["step"]} / {r["total"]} '
            f'({r["validation"]}) | {r["parameters"]:,} | {timing} |'
        )

    verdicts = []
    tfidf = peer['tfidf'][1]
    for name in ('text_cnn', 'text_transformer'):
        if name in rows:
            accuracy = 100 * rows[name]['test']
            lines.append(model_line(rows[name], f'{accuracy:.1f}'))
            met = 'met' if accuracy > tfidf else 'NOT met'
            verdicts.append(
                f'- {rows[name]["label"]}: {accuracy:.1f}% vs {tfidf:.1f}% (beat TF-IDF + LR: '
                f'{met}).'
            )
    lines.append('| **kjv** (test: Hebrews-Revelation) | | **bits per byte** | | | |')
    baselines = [peer[key] for key in ('xz -9', 'zstd -19', 'bzip2 -9', 'ngram')]
    lines += [f'| | {label} (peer) | {bits:.3f} | — | — | — |' for label, bits in baselines]
    if 'gpt' in rows:
        r = rows['gpt']
        lines.append(model_line(r, f'{r["test"]:.3f}'))
        best_label, best_bits = min(baselines, key=lambda pair: pair[1])
        fast = bool(r['timing']) and r['timing']['seconds'] <= 60 * GPT_MINUTES
        met = 'met' if r['test'] < best_bits and fast else 'NOT met'
        verdicts.append(
            f'- GPT: {r["test"]:.3f} bits per byte vs the best peer {best_bits:.3f} ({best_label}) '
            f'after {trained_runs.train_time(r["timing"])} (below every peer within '
            f'{GPT_MINUTES:.0f} min: {met}).'
        )
    lines += ['', '**Targets:**', '', *verdicts, '']
    lines.append(
        "GPT bits per byte: the test verses' tokens joined by eos (the line break, one byte) cut "
        'into windows of config.data.max_length + 1 tokens that share one token; every token after '
        'the first is predicted once, from the context inside its window. Bits per byte = the '
        'summed cross-entropy of those tokens (nats) / (ln 2 x the UTF-8 bytes they stand for); '
        'padding counts in neither. Peers see the same bytes (verses joined by line breaks).'
    )
    return '\n'.join(lines + [''])


def main() -> None:
    benchlib.use_seqlab_allocator()  # as launch.py runs
    args = trained_runs.parse_args(__doc__, RUNS, 'runs/text', 'results/text_vs_peer.md')
    trained_runs.train_missing(args, lambda name: launcher.load_config(RUNS[name][0], {}))
    rows = {name: row(name, args.root) for name in args.names}
    trained_runs.publish(report(rows, peers(), f'python {" ".join(sys.argv)}'), args.out)


if __name__ == '__main__':
    main()
