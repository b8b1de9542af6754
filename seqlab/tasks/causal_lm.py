"""Causal language modelling: next-token cross-entropy over real tokens, and bits per byte.

inputs = tokens[:, :-1], targets y = tokens[:, 1:], weights m_t = token_mask[:, 1:] · mask:
loss = Σ m_t CE(logits_t, y_t) / Σ m_t (nats per token). When the batch carries `token_bytes`
(lossless tokenizers), bits_per_byte = Σ m_t CE_t / (ln 2 · Σ m_t bytes(y_t)).
generate() continues text prompts with the GPT's KV cache (--mode=generate) into samples.txt.
"""

import dataclasses
import functools
import math
import os
from typing import Any

import jax
import jax.numpy as jnp
import ml_collections
import optax

from seqlab.data.tokenizers import TOKENIZER_ASSET, load_tokenizer
from seqlab.models import gpt
from seqlab.tasks.base import Task
from seqlab.tasks.text_prompts import check_options, decode_lines, encode_prompts


@dataclasses.dataclass(frozen=True)
class CausalLM(Task):
    def model_kwargs(self, info: Any) -> dict:
        return {'vocab_size': info.extras['vocab_size']}

    def inputs(self, batch: dict) -> tuple:
        return (batch['tokens'][:, :-1],)

    def loss(self, logits: jax.Array, batch: dict) -> tuple[jax.Array, dict]:
        """logits [B, T, V], batch tokens / token_mask [B, T + 1], mask [B] -> (loss, metrics)."""
        targets = batch['tokens'][:, 1:]
        weights = batch['token_mask'][:, 1:] * batch['mask'][:, None].astype(jnp.float32)
        nll = optax.softmax_cross_entropy_with_integer_labels(logits.astype(jnp.float32), targets)
        loss_sum, count = (nll * weights).sum(), weights.sum()
        correct = ((logits.argmax(-1) == targets) * weights).sum()
        metrics = {'loss': (loss_sum, count), 'accuracy': (correct, count)}
        if 'token_bytes' in batch:
            num_bytes = (batch['token_bytes'][:, 1:] * weights).sum()
            metrics['bits_per_byte'] = (loss_sum / math.log(2.0), num_bytes)
        return loss_sum / jnp.maximum(count, 1.0), metrics

    def predict(self, logits: jax.Array) -> dict:
        return {'next_token': logits.argmax(-1)}

    def generate(
        self,
        model: gpt.GPT,
        params: Any,
        options: ml_collections.ConfigDict,
        info: Any,
        directory: str,
    ) -> str:
        """Continues each of options.prompts by options.steps tokens; writes `samples.txt`.

        options: prompts (tuple of str), steps (new tokens per prompt), temperature (0: greedy),
        top_k (0: all), seed. Each prompt is its own batch of one (exact for prompts of any
        lengths; one compilation per distinct prompt length) with the key fold_in(seed, index).
        -> the path of samples.txt: per prompt a header line, then prompt + continuation.
        """
        tokenizer = load_tokenizer(info.assets[TOKENIZER_ASSET])  # the workdir copy
        check_options(options, tokenizer.vocab_size)
        prompts = encode_prompts(options.prompts, tokenizer, options.steps, model.max_length)
        sample = jax.jit(
            functools.partial(
                gpt.generate,
                model,
                steps=options.steps,
                temperature=float(options.temperature),
                top_k=options.top_k,
            )
        )
        key = jax.random.key(options.seed)
        blocks = []
        for index, (text, ids) in enumerate(zip(options.prompts, prompts, strict=True)):
            new = sample(params, jnp.asarray([ids]), rng=jax.random.fold_in(key, index))
            text += decode_lines(tokenizer, [int(i) for i in new[0]])
            blocks.append(f'--- prompt {index}: {options.prompts[index]!r}\n{text}')
        path = os.path.join(directory, 'samples.txt')
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write('\n\n'.join(blocks) + '\n')
        return path
