"""WaveNet generation: fast (cached per-layer queues, O(layers) per sample) vs naive (a full pass
over the receptive field per sample), same random draws, at the config's receptive field of 2,047
samples. Writes the generated clips as WAV files and their log-mel spectrograms as a PNG.

  python experiments/bench_wavenet_generation.py [--workdir runs/wavenet]   # trained parameters
                                                                           # (else a random init)
  -> results/bench_wavenet_generation.md, results/bench_wavenet_generation/*.wav and .png
"""

import argparse
import os
import time

import jax
import matplotlib
import numpy as np
import report

from seqlab import launcher
from seqlab.data import audio_io
from seqlab.layers import spectrogram
from seqlab.layers.mu_law import mu_law_decode
from seqlab.models.wavenet_sampling import fast_sampler, naive_sampler
from seqlab.train import loop

matplotlib.use('Agg')
from matplotlib import pyplot as plt  # noqa: E402

SAMPLE_RATE = 16_000


def timed(sampler, params, labels, rng) -> tuple[np.ndarray, float]:
    """(samples, seconds) of a compiled call (compilation excluded)."""
    compiled = sampler.lower(params, labels, rng).compile()
    start = time.perf_counter()
    tokens = np.asarray(jax.block_until_ready(compiled(params, labels, rng)))
    return tokens, time.perf_counter() - start


def model_and_params(workdir: str | None):
    config = launcher.load_config('configs/wavenet.py', {})
    if workdir is None:  # random init: speed and equality do not depend on the weights
        run = loop.Run(config, '/tmp/bench_wavenet_unused', mode='eval')
        return config, run.plan, run.initial_state().params, 'random initialisation'
    run = loop.Run(config, os.path.abspath(workdir), mode='eval')  # orbax wants absolute paths
    params, step = run.restore_params()
    return config, run.plan, params, f'{report.shown(workdir)} at step {step}'


def real_clip(batches, label: int) -> np.ndarray:
    """The first evaluation clip with `label`."""
    for batch in batches:
        found = np.flatnonzero((batch['label'] == label) & (batch['mask'] > 0))
        if found.size:
            return batch['audio'][found[0]]
    raise ValueError(f'no evaluation clip with label {label}')


def spectrogram_figure(clips: dict[str, np.ndarray], path: str) -> None:
    fig, axes = plt.subplots(1, len(clips), figsize=(3.2 * len(clips), 3), squeeze=False)
    for axis, (title, clip) in zip(axes[0], clips.items(), strict=True):
        mel = spectrogram.power_to_db(spectrogram.mel_spectrogram(clip, SAMPLE_RATE, 512, 160, 40))
        axis.imshow(np.asarray(mel), origin='lower', aspect='auto', cmap='magma')
        axis.set(title=title, xlabel='frame (10 ms)', ylabel='mel band')
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--workdir', default=None, help='a trained configs/wavenet.py run')
    parser.add_argument('--naive_samples', type=int, default=2500)
    parser.add_argument('--fast_samples', type=int, default=16_000)
    parser.add_argument('--out', default='results/bench_wavenet_generation')
    args = parser.parse_args()
    config, plan, params, source = model_and_params(args.workdir)
    model, class_names = plan.model, plan.splits.info.extras['class_names']
    words = config.generate.words
    labels = np.array([class_names.index(w) for w in words], np.int32)
    rng = jax.random.key(config.generate.seed)
    one = labels[:1]
    naive, naive_seconds = timed(naive_sampler(model, args.naive_samples), params, one, rng)
    fast, fast_seconds = timed(fast_sampler(model, args.fast_samples), params, one, rng)
    batch, batch_seconds = timed(fast_sampler(model, args.fast_samples), params, labels, rng)
    identical = np.array_equal(fast[:, : args.naive_samples], naive)
    naive_rate, fast_rate = args.naive_samples / naive_seconds, args.fast_samples / fast_seconds
    os.makedirs(args.out, exist_ok=True)
    clips = {}
    for word, tokens in zip(words, batch, strict=True):
        clips[f'generated "{word}"'] = np.asarray(mu_law_decode(tokens, model.levels))
        audio_io.write_wav(
            os.path.join(args.out, f'{word}.wav'), clips[f'generated "{word}"'], SAMPLE_RATE
        )
    clips = {f'real "{words[0]}" (validation)': real_clip(plan.splits.eval, labels[0]), **clips}
    figure = os.path.join(args.out, 'spectrograms.png')
    spectrogram_figure(clips, figure)
    load = os.getloadavg()[0]
    text = '\n'.join(
        [
            '# WaveNet generation: cached queues vs naive recomputation',
            '',
            f'Command: `python experiments/bench_wavenet_generation.py'
            f'{" --workdir " + report.shown(args.workdir) if args.workdir else ""}`. '
            f'Parameters: {source}.',
            f'Model: configs/wavenet.py ({len(model.dilations)} layers, dilations 1..'
            f'{model.max_dilation} x {model.stacks}, {model.channels} channels), receptive field '
            f'{model.receptive_field:,} samples; one clip, conditioned on "{words[0]}"; '
            f'{jax.devices()[0].device_kind}, load average {load:.1f} on {os.cpu_count()} cores.',
            '',
            '| sampler | samples | seconds | samples / s |',
            '|---|---|---|---|',
            f'| naive (full pass over {model.receptive_field:,} samples each) | '
            f'{args.naive_samples:,} | {naive_seconds:.1f} | {naive_rate:,.1f} |',
            f'| fast (per-layer queues) | {args.fast_samples:,} | {fast_seconds:.1f} | '
            f'{fast_rate:,.0f} |',
            f'| fast, batch of {len(words)} clips | {len(words)} x {args.fast_samples:,} | '
            f'{batch_seconds:.1f} | {len(words) * args.fast_samples / batch_seconds:,.0f} |',
            '',
            f'**Speed-up {fast_rate / naive_rate:,.0f}x; the first {args.naive_samples:,} samples '
            f'of both samplers are {"identical" if identical else "NOT identical"}** (same key '
            'fold_in(seed, t) for sample t).',
            '',
            f'Generated clips ({", ".join(words)}): `{report.shown(args.out)}/<word>.wav`; '
            f'log-mel spectrograms: `{report.shown(figure)}`.',
            '',
        ]
    )
    report.publish(text, f'{args.out}.md')


if __name__ == '__main__':
    main()
