"""GPT decoding speed: the KV cache (one new position per step, attending to cached keys and
values) vs recomputing the whole prefix for every new token, greedy, 1,024 new tokens, batch 1.

The model is the byte-level GPT of configs/gpt.py:tokenizer=byte (width, depth, heads, MLP,
vocabulary of its tokenizer) with max_length stretched to prompt + 1,024 tokens and random parameters (speed does not depend on the
weights). Recomputation runs the prefix padded up to the next multiple of --bucket tokens (one
compiled program per bucket, all compiled before timing; causal attention makes the padding
harmless), so it does about as much work as the prefix needs. Rounds alternate the two sides;
medians are reported.

  python experiments/bench_kv_cache.py [--steps 1024] [--rounds 3]   -> results/bench_kv_cache.md
"""

import argparse
import functools
import math
import os
import statistics
import time

import benchlib
import jax
import jax.numpy as jnp
import numpy as np
import report

from seqlab import launcher
from seqlab.data.tokenizers import ByteTokenizer
from seqlab.models import gpt

PROMPT = 'In the beginning God created the heaven and the earth.'


def model_and_prompt(steps: int) -> tuple[gpt.GPT, jax.Array, dict]:
    """configs/gpt.py:tokenizer=byte's model with room for the prompt + `steps`, its prompt ids [1, P] (eos +
    the prompt's bytes) and random parameters."""
    config = launcher.load_config('configs/gpt.py:tokenizer=byte', {})
    tokenizer = ByteTokenizer()
    prompt = jnp.array([[tokenizer.eos_id, *tokenizer.encode(PROMPT)]], jnp.int32)
    kwargs = {**config.model.kwargs, 'max_length': prompt.shape[1] + steps}
    model = gpt.GPT(vocab_size=config.data.vocab_size, **kwargs)
    params = jax.jit(model.init)(jax.random.PRNGKey(0), prompt)['params']
    return model, prompt, params


def cached_decoder(model: gpt.GPT, params: dict, prompt: jax.Array, steps: int):
    """A compiled call () -> new ids [1, steps] of gpt.generate (KV cache), greedy."""
    sample = jax.jit(functools.partial(gpt.generate, model, steps=steps, temperature=0.0))
    rng = jax.random.PRNGKey(0)
    compiled = sample.lower(params, prompt, rng=rng).compile()
    return lambda: np.asarray(compiled(params, prompt, rng=rng))


def recomputing_decoder(model: gpt.GPT, params: dict, prompt: jax.Array, steps: int, bucket: int):
    """A call () -> new ids [1, steps]: each new token is the argmax of the full model's logits
    over the prefix (padded to a multiple of `bucket`); every bucket is compiled up front."""
    forward = jax.jit(lambda p, tokens, last: model.apply({'params': p}, tokens)[0, last].argmax())
    lengths = range(prompt.shape[1], prompt.shape[1] + steps)
    padded = sorted({min(bucket * math.ceil(n / bucket), model.max_length) for n in lengths})
    compiled = {n: forward.lower(params, jnp.zeros((1, n), jnp.int32), 0).compile() for n in padded}

    def decode():
        tokens = np.zeros(model.max_length, np.int32)
        tokens[: prompt.shape[1]] = prompt[0]
        for n in lengths:
            width = min(bucket * math.ceil(n / bucket), model.max_length)
            tokens[n] = int(compiled[width](params, jnp.asarray(tokens[None, :width]), n - 1))
        return tokens[None, prompt.shape[1] :]

    return decode


def timed(call) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    out = call()
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--steps', type=int, default=1024, help='new tokens')
    parser.add_argument('--rounds', type=int, default=3, help='alternating rounds per side')
    parser.add_argument('--bucket', type=int, default=64, help='recompute padding granularity')
    parser.add_argument('--out', default='results/bench_kv_cache.md')
    args = parser.parse_args()
    load_before = benchlib.load_average()
    model, prompt, params = model_and_prompt(args.steps)
    sides = {
        'KV cache': cached_decoder(model, params, prompt, args.steps),
        'recompute the prefix': recomputing_decoder(model, params, prompt, args.steps, args.bucket),
    }
    seconds: dict[str, list[float]] = {name: [] for name in sides}
    tokens: dict[str, np.ndarray] = {}
    for _ in range(args.rounds):
        for name, call in sides.items():
            tokens[name], elapsed = timed(call)
            seconds[name].append(elapsed)
    median = {name: statistics.median(times) for name, times in seconds.items()}
    rate = {name: args.steps / median[name] for name in sides}
    cached, recomputed = tokens.values()
    differs = np.flatnonzero(cached[0] != recomputed[0])
    agreement = (
        f'identical for all {args.steps:,} tokens'
        if differs.size == 0
        else f'identical for the first {differs[0]:,} tokens (random weights give near-ties)'
    )
    ratio = rate['KV cache'] / rate['recompute the prefix']
    load_after = benchlib.load_average()
    lines = [
        '# GPT decoding: KV cache vs recomputing the prefix',
        '',
        f'Command: `{report.command()}`',
        '',
        f'Model: configs/gpt.py:tokenizer=byte (width {model.width}, depth {model.depth}, {model.heads} heads, '
        f'MLP {model.mlp_dim}, vocabulary {model.vocab_size}), max_length {model.max_length}, '
        f'random parameters; prompt {prompt.shape[1]} tokens, {args.steps:,} new tokens, greedy, '
        f'batch 1; recomputation padded to multiples of {args.bucket}.',
        f'Device: {benchlib.machine()}. Load average {load_before} before, {load_after} after. '
        f'Median of {args.rounds} alternating rounds; compilation excluded.',
        '',
        '| decoding | seconds (median) | tokens / s | ms / token | rounds (s) |',
        '|---|---|---|---|---|',
    ]
    for name in sides:
        rounds = ', '.join(f'{s:.1f}' for s in seconds[name])
        lines.append(
            f'| {name} | {median[name]:.1f} | {rate[name]:,.1f} | '
            f'{1000 / rate[name]:.1f} | {rounds} |'
        )
    met = 'met' if ratio >= 10 else 'NOT met'
    lines += [
        '',
        f'**KV cache {ratio:.1f}x faster (target >= 10x: {met}).** Tokens of the two sides: '
        f'{agreement}; equality on a small model is tested in tests/models/test_gpt.py.',
    ]
    directory, name = os.path.split(args.out)
    benchlib.write_report(directory, name.removesuffix('.md'), lines)


if __name__ == '__main__':
    benchlib.use_seqlab_allocator()  # as launch.py runs
    main()
