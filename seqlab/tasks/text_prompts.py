"""Text prompts for a causal LM's --mode=generate: option checks, encoding and decoding.

A prompt is encoded as [eos] + tokenizer.encode(prompt): eos is the verse separator of the
language-model stream (seqlab.data.text_splits), so every continuation starts where a verse
starts, and an empty prompt asks for a verse from scratch. In the output eos is a line break.
"""

import math
from collections.abc import Sequence

import ml_collections

from seqlab.config import ConfigError
from seqlab.data.tokenizers import Tokenizer


def check_options(options: ml_collections.ConfigDict, vocab_size: int) -> None:
    """One-line ConfigErrors for config.generate's prompts, steps, temperature and top_k."""
    prompts = options.prompts
    if isinstance(prompts, str) or not prompts or not all(isinstance(p, str) for p in prompts):
        raise ConfigError(
            f'config.generate.prompts={prompts!r} is not allowed; allowed: a non-empty tuple of '
            'strings'
        )
    for key, low, high in (('steps', 1, math.inf), ('top_k', 0, vocab_size)):
        value = options[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            bound = f'an int >= {low}' if high == math.inf else f'an int in [{low}, {high}]'
            raise ConfigError(f'config.generate.{key}={value!r} is not allowed; allowed: {bound}')
    if not options.temperature >= 0:
        raise ConfigError(
            f'config.generate.temperature={options.temperature!r} is not allowed; allowed: >= 0 '
            '(0: greedy)'
        )


def encode_prompts(
    prompts: Sequence[str], tokenizer: Tokenizer, steps: int, max_length: int
) -> list[list[int]]:
    """[eos] + ids of each prompt; each must leave room for `steps` new tokens in max_length and
    (for a lossy tokenizer) consist of known pieces."""
    encoded = []
    for index, prompt in enumerate(prompts):
        ids = [tokenizer.eos_id, *tokenizer.encode(prompt)]
        if tokenizer.unk_id in ids[1:]:  # GPT-2's one special token is both eos and unk
            pieces = zip(tokenizer.split(prompt), ids[1:], strict=True)
            unknown = [piece for piece, i in pieces if i == tokenizer.unk_id]
            raise ConfigError(
                f'config.generate.prompts[{index}]={prompt!r} has pieces unknown to the '
                f'{tokenizer.kind} tokenizer: {unknown!r}; allowed: pieces seen in training'
            )
        if len(ids) + steps > max_length:
            raise ConfigError(
                f'config.generate.prompts[{index}] ({len(ids)} tokens with the leading eos) + '
                f'config.generate.steps={steps} = {len(ids) + steps} > '
                f'config.model.kwargs.max_length={max_length}; allowed: steps <= '
                f'{max_length - len(ids)} for this prompt'
            )
        encoded.append(ids)
    return encoded


def decode_lines(tokenizer: Tokenizer, ids: Sequence[int]) -> str:
    """Text of generated ids, decoded between eos ids and joined by line breaks."""
    lines, current = [], []
    for i in ids:
        if i == tokenizer.eos_id:
            lines.append(current)
            current = []
        else:
            current.append(i)
    return '\n'.join(tokenizer.decode(line) for line in [*lines, current])
