"""Your own files, prepared: the first launch on a folder or table (preparation into the
array_record cache) against a later launch (a cache hit), next to Hugging Face `datasets`
loading the same files into its Arrow cache.

Sources, written from real data under <root>/sources/ (once; reused when present):
  images.  10,000 PNGs in 10 class folders: Debian's Fashion-MNIST t10k files.
  glosses.csv  50,000 rows (text, label): the first WordNet glosses with their supersense.
  clips.   2,000 one-second 16 kHz WAVs in class folders: keyword clips spoken by espeak-ng.

Each measurement is a fresh Python process. `seqlab` times `data.get` of the config that reads the
source (`configs/vit.py` with image_size=28, `configs/text_cnn.py`, `configs/spec_cnn.py`) and
its first training batch, which fills the in-memory cache: the first call with an empty
SEQLAB_DATA_DIR (`first launch`), then a second process on the same directory (`cache hit`).
`HF datasets` times `load_dataset('imagefolder' | 'csv' | 'audiofolder')` with an empty
cache_dir, then again. The two do different work: seqlab decodes every image (and resamples every
clip) into checked fixed-shape records, and for text learns the vocabulary (cached with the
records; token ids are computed as batches are read); `datasets` stores file bytes or paths and
decodes lazily on access. `process` is the whole process's wall time, imports included.

  pip install -r requirements-bench.txt   # datasets
  python experiments/bench_own_data.py    # -> results/bench_own_data.md
"""

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import benchlib
import numpy as np
import report
from PIL import Image

SOURCES = {  # name -> (seqlab data.name prefix, config, overrides, HF builder)
    'images': ('imagefolder', 'configs/vit.py', {'data.image_size': '28'}, 'imagefolder'),
    'glosses.csv': ('csv', 'configs/text_cnn.py', {}, 'csv'),
    'clips': ('audiofolder', 'configs/spec_cnn.py', {}, 'audiofolder'),
}
GLOSS_ROWS = 50_000
CLIPS = 2_000

SEQLAB_CHILD = """
import json, sys, time
from seqlab import data, launcher
spec, overrides = sys.argv[1], json.loads(sys.argv[2])
config = launcher.load_config(spec, overrides)
start = time.perf_counter()
splits = data.get(config.data, seed=0)
next(iter(splits.train))  # the in-memory cache is filled by the first batch read
print(json.dumps({'seconds': time.perf_counter() - start, 'examples': splits.info.num_train}))
"""
HF_CHILD = """
import json, sys, time
import datasets
builder, path, cache = sys.argv[1], sys.argv[2], sys.argv[3]
datasets.disable_progress_bars()
start = time.perf_counter()
if builder == 'csv':
    loaded = datasets.load_dataset('csv', data_files=path, cache_dir=cache)
else:
    loaded = datasets.load_dataset(builder, data_dir=path, cache_dir=cache)
seconds = time.perf_counter() - start
print(json.dumps({'seconds': seconds, 'examples': sum(len(s) for s in loaded.values())}))
"""


def write_images(directory: str) -> None:
    """Fashion-MNIST's 10,000 test images as PNGs in class-name folders (t10k order)."""
    from seqlab.data.builders import fashion_mnist

    images = fashion_mnist.read_images(fashion_mnist.SOURCE_DIR / 't10k-images-idx3-ubyte.gz')
    labels = fashion_mnist.read_labels(fashion_mnist.SOURCE_DIR / 't10k-labels-idx1-ubyte.gz')
    for index, (image, label) in enumerate(zip(images, labels, strict=True)):
        folder = os.path.join(directory, fashion_mnist.CLASS_NAMES[label].replace('/', '-'))
        os.makedirs(folder, exist_ok=True)
        Image.fromarray(np.asarray(image).squeeze()).save(os.path.join(folder, f'{index:05d}.png'))


def write_glosses(path: str) -> None:
    """The first GLOSS_ROWS WordNet glosses (text) and their supersense (label)."""
    from seqlab.data.builders import wordnet_supersense as wordnet

    glosses = wordnet.read_glosses()[:GLOSS_ROWS]
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['text', 'label'])
        writer.writerows((g.text, wordnet.SUPERSENSES[g.label]) for g in glosses)


def write_clips(directory: str) -> None:
    """The first CLIPS training utterances of spoken_keywords, as WAVs in word folders."""
    from concurrent.futures import ThreadPoolExecutor

    from seqlab.data import audio_io
    from seqlab.data.builders import spoken_keywords as keywords

    chosen = keywords.utterances(keywords.SpokenKeywordsConfig(name='full'), 'train')[:CLIPS]
    with ThreadPoolExecutor(keywords.SYNTHESIS_WORKERS) as pool:
        clips = pool.map(keywords.synthesise, chosen)
        for index, (utterance, samples) in enumerate(zip(chosen, clips, strict=True)):
            folder = os.path.join(directory, utterance.word)
            os.makedirs(folder, exist_ok=True)
            name = f'{index:04d}.wav'
            audio_io.write_wav(os.path.join(folder, name), samples, keywords.SAMPLE_RATE)


def ensure_sources(root: str, names: list[str]) -> None:
    """Writes each missing source (into a temporary name first, so a kill leaves none half made)."""
    writers = {'images': write_images, 'glosses.csv': write_glosses, 'clips': write_clips}
    for name in names:
        write = writers[name]
        path = os.path.join(root, name)
        if os.path.exists(path):
            continue
        partial = path + '.partial'
        shutil.rmtree(partial, ignore_errors=True)
        write(partial)
        os.replace(partial, path)


def child(code: str, *args: str, env: dict | None = None) -> dict:
    """Runs `code` in a fresh Python process; -> its JSON line plus the process wall seconds."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, '-c', code, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    wall = time.perf_counter() - start
    if done.returncode:
        lines = done.stderr.strip().splitlines()
        missing = [line for line in lines if line.startswith(('ImportError', 'ModuleNotFound'))]
        return {'error': (missing or lines)[-1][:160], 'process': wall}
    return {**json.loads(done.stdout.strip().splitlines()[-1]), 'process': wall}


def measure(root: str, name: str) -> list[list[str]]:
    """Rows (library, first launch, cache hit) for one source."""
    prefix, spec, overrides, hf_builder = SOURCES[name]
    path = os.path.join(root, 'sources', name)
    overrides = json.dumps({**overrides, 'data.name': f'{prefix}:{path}'})
    cache = tempfile.mkdtemp(dir=root, prefix='cache_')
    env = {'SEQLAB_DATA_DIR': os.path.join(cache, 'seqlab'), 'JAX_PLATFORMS': 'cpu'}
    seqlab_runs = [child(SEQLAB_CHILD, spec, overrides, env=env) for _ in range(2)]
    hf_cache = os.path.join(cache, 'hf')
    hf_env = {'HF_DATASETS_OFFLINE': '1', 'HF_HOME': os.path.join(cache, 'hf_home')}
    hf_runs = [child(HF_CHILD, hf_builder, path, hf_cache, env=hf_env) for _ in range(2)]
    shutil.rmtree(cache, ignore_errors=True)
    return [
        row(name, f'seqlab `{prefix}:` ({spec})', seqlab_runs),
        row(name, f'HF datasets `{hf_builder}`', hf_runs),
    ]


def row(name: str, library: str, runs: list[dict]) -> list[str]:
    def cell(run: dict) -> str:
        if 'error' in run:
            return f'fails: {run["error"]}'
        return f'{run["seconds"]:.1f} s (process {run["process"]:.1f} s)'

    examples = next((f'{run["examples"]:,}' for run in runs if 'examples' in run), '—')
    return [name, library, examples, cell(runs[0]), cell(runs[1])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--root', default='runs/bench_own_data', help='sources and caches here')
    parser.add_argument('--only', nargs='*', choices=list(SOURCES), default=list(SOURCES))
    parser.add_argument('--out', default='results/bench_own_data.md')
    args = parser.parse_args()
    os.makedirs(os.path.join(args.root, 'sources'), exist_ok=True)
    ensure_sources(os.path.join(args.root, 'sources'), args.only)
    load_before = benchlib.load_average()
    rows = [line for name in args.only for line in measure(args.root, name)]
    header = ['source', 'library', 'examples', 'first launch', 'cache hit']
    lines = [
        '# Your own files: first launch vs cache hit, seqlab and Hugging Face datasets',
        '',
        f'Command: `{report.command()}`. Machine: {benchlib.machine()}; load average '
        f'{load_before} at the start, {benchlib.load_average()} at the end. One process per cell '
        '(the time inside the loading call, for seqlab with the first training batch; the process '
        'column adds imports). seqlab decodes, '
        'resizes or resamples and checks every example once; `datasets` stores the files as they '
        'are and decodes on access (experiments/bench_own_data.py says more). `examples`: '
        'seqlab: the train split after carving validation and test; HF: every row.',
        '',
        *benchlib.markdown_table(header, rows),
    ]
    report.publish('\n'.join(lines) + '\n', args.out)


if __name__ == '__main__':
    main()
