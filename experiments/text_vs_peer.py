"""The text models over 3 seeds next to their non-neural peers (results/peer_text.md), in one
table:

(a) wordnet_supersense test accuracy of the text CNN and the text transformer vs TF-IDF word
    1-2-grams + logistic regression;
(b) kjv held-out (test: Hebrews-Revelation) bits per byte of the GPT (configs/gpt.py's default,
    BPE tokens) vs xz -9, zstd -19 and bzip2 -9 given the training text, and the best byte n-gram
    (Kneser-Ney).

Each run (a model at seed 0, 1 or 2; runs/text/<model> for seed 0, <model>_seed<k> otherwise)
picks its best checkpoint on the validation split (config.checkpoint.best_metric) and is evaluated
once on the test split, next to its training wall time and machine load. The table gives every
run and each model's mean ± sample standard deviation over its seeds. Targets, judged on the mean:
both classifiers above the peer; the GPT below every compressor and the n-gram, each run after at
most 30 minutes of training; each says whether the margin over the peer is beyond the seed spread
(experiments/seeds.py) and, with fewer than 3 seeds, on how many it rests. A run whose workdir is
not here (trained in another session) takes the row recorded in results/run_records/text_vs_peer/
when it was last evaluated (experiments/trained_runs.py).

  python experiments/text_vs_peer.py --train     # train missing runs (resume unfinished), then test
  python experiments/text_vs_peer.py --train --runs text_cnn,text_cnn_seed1,text_cnn_seed2
  -> results/text_vs_peer.md
"""

import re
import statistics

import benchlib
import seeds
import trained_runs
from report import command

from seqlab import launcher
from seqlab.train import state

MODELS = {  # model -> (config, what it is, test metric)
    'text_cnn': ('configs/text_cnn.py', 'text CNN', 'eval/accuracy'),
    'text_transformer': ('configs/text_transformer.py', 'text transformer', 'eval/accuracy'),
    'gpt': ('configs/gpt.py', 'GPT', 'eval/bits_per_byte'),
}
CLASSIFIERS = ('text_cnn', 'text_transformer')
RUNS = {  # run name -> (model, seed)
    seeds.run_name(model, seed): (model, seed) for model in MODELS for seed in seeds.SEEDS
}
PEER_FILE = 'results/peer_text.md'
GPT_MINUTES = 30.0


def config(name: str):
    """The config of run `name`: its model's, at its seed."""
    model, seed = RUNS[name]
    return launcher.load_config(MODELS[model][0], seeds.overrides(seed))


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
    """One run: its best checkpoint by validation and its test result (accuracy % or bits per
    byte)."""
    model, seed = RUNS[name]
    spec, label, metric = MODELS[model]
    run_config = config(name)
    workdir = trained_runs.workdir(root, name)
    run, params, step, validation = trained_runs.restore_best(run_config, workdir)
    scale = 100 if metric == 'eval/accuracy' else 1
    return {
        'model': model,
        'seed': seed,
        'label': f'{label} ({run_config.data.tokenizer} tokens, vocabulary '
        f'{run_config.data.vocab_size})',
        'spec': spec,
        'parameters': state.num_params(params),
        'step': step,
        'total': run.plan.total_steps,
        'metric': run_config.checkpoint.best_metric.removeprefix('eval/'),
        'validation': validation,
        'test': scale * run.evaluate(params)[metric],
        'timing': trained_runs.timing(workdir),
    }


def model_lines(mine: list[dict], digits: int) -> list[str]:
    """Each seed's row of one model, then its mean ± sd row (saying how many seeds it rests on)."""
    lines = [
        f'| | {r["label"]} `{r["spec"]}` | {r["seed"]} | {r["test"]:.{digits}f} | '
        f'{r["step"]} / {r["total"]} ({r["metric"]} {r["validation"]:.4f}) | '
        f'{r["parameters"]:,} | {trained_runs.train_time(r["timing"])}{trained_runs.transcribed(r)} |'
        for r in mine
    ]
    validation = seeds.spread([r['validation'] for r in mine], 4)
    lines.append(
        f'| | **{mine[0]["label"]}, mean ± sd** | {seeds.counted(len(mine))} | '
        f'**{seeds.spread([r["test"] for r in mine], digits)}** | ({mine[0]["metric"]} '
        f'{validation}) | | |'
    )
    return lines


def classifier_verdict(mine: list[dict], tfidf: float) -> str:
    accuracies = [r['test'] for r in mine]
    met = statistics.mean(accuracies) > tfidf
    return (
        f'- {mine[0]["label"]}: mean {seeds.spread(accuracies, 1)}% vs {tfidf:.1f}%; '
        f'{seeds.margin(accuracies, tfidf, 1, " points")}. Beat TF-IDF + LR on the mean: '
        f'{seeds.judged(met, len(mine))}.'
    )


def gpt_verdict(mine: list[dict], best: tuple[str, float]) -> str:
    best_label, best_bits = best
    bits = [r['test'] for r in mine]
    in_time = all(r['timing'] and r['timing']['seconds'] <= 60 * GPT_MINUTES for r in mine)
    met = statistics.mean(bits) < best_bits and in_time
    times = ', '.join(trained_runs.train_time(r['timing']) for r in mine)
    return (
        f'- GPT: mean {seeds.spread(bits, 3)} bits per byte vs the best peer {best_bits:.3f} '
        f'({best_label}); {seeds.margin(bits, best_bits, 3)}; train times {times}. Below every '
        f'peer on the mean, each run within {GPT_MINUTES:.0f} min: '
        f'{seeds.judged(met, len(mine))}.'
    )


def report(rows: list[dict], peer: dict[str, tuple[str, float]], command_line: str) -> str:
    groups = {m: [r for r in rows if r['model'] == m] for m in MODELS}
    lines = [
        '# Text models vs non-neural peers',
        '',
        f'Command: `{command_line}`. Best checkpoint by the validation split, evaluated once on '
        f'the test split. Peers: {PEER_FILE} (experiments/peer_text.py, same splits; '
        f'deterministic, one number each). Table made on {benchlib.machine()}; each run was '
        'trained on the CPU its train-time cell names (with the load average at the start and '
        'end of its training) and its row recorded in results/run_records/text_vs_peer. Each model: every seed, then the '
        f'mean ± sample standard deviation over its seeds; {seeds.RULE}.',
        '',
        '| task | model | seed | test result | best step / steps (validation) | parameters | '
        'train time |',
        '|---|---|---|---|---|---|---|',
        '| **wordnet_supersense** | | | **accuracy %** | | | |',
        f'| | {peer["tfidf"][0]} (peer) | — | {peer["tfidf"][1]:.1f} | — | — | — |',
    ]
    verdicts = []
    for model in CLASSIFIERS:
        if groups[model]:
            lines += model_lines(groups[model], 1)
            verdicts.append(classifier_verdict(groups[model], peer['tfidf'][1]))
    lines.append('| **kjv** (test: Hebrews-Revelation) | | | **bits per byte** | | | |')
    baselines = [peer[key] for key in ('xz -9', 'zstd -19', 'bzip2 -9', 'ngram')]
    lines += [f'| | {label} (peer) | — | {bits:.3f} | — | — | — |' for label, bits in baselines]
    if groups['gpt']:
        lines += model_lines(groups['gpt'], 3)
        verdicts.append(gpt_verdict(groups['gpt'], min(baselines, key=lambda pair: pair[1])))
    lines += ['', '**Targets** (on the mean over seeds):', '', *verdicts, '']
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
    trained_runs.train_missing(args, config)
    rows = trained_runs.rows(args, row, config, 'text_vs_peer')
    trained_runs.publish(report(rows, peers(), command()), args.out)


if __name__ == '__main__':
    main()
