"""Sequence to sequence: teacher-forced token cross-entropy; evaluation adds exact match.

inputs: source, source_mask and y_in = target[:, :-1] (bos first); labels y = target[:, 1:];
weights m_t = target_mask[:, 1:] · mask (real tokens of real examples, eos included):
    loss = Σ m_t CE(logits_t, y_t) / Σ m_t,    accuracy = Σ m_t [argmax logits_t = y_t] / Σ m_t
exact_match (eval, from `eval_outputs`): the share of real examples whose greedy decoding equals
y wherever m_t = 1, i.e. the decoded text up to its first eos is the target.
generate() translates the strings in config.generate.inputs (--mode=generate) into outputs.tsv.
"""

import dataclasses
import os
from typing import Any

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax

from seqlab.config import ConfigError
from seqlab.data import text
from seqlab.data.tokenizers import BOS_ID, TOKENIZER_ASSET, Tokenizer, load_tokenizer
from seqlab.models.seq2seq import Seq2Seq as Seq2SeqModel
from seqlab.models.seq2seq import greedy_decode
from seqlab.tasks.base import Task


@dataclasses.dataclass(frozen=True)
class Seq2Seq(Task):
    def model_kwargs(self, info: Any) -> dict:
        if info.modality != 'text' or len(info.input_shape) != 2:
            raise ConfigError(
                f'task seq2seq needs (source, target) text pairs; dataset {info.name!r} has none; '
                'allowed: a dataset with source and target texts, such as dates'
            )
        return {'vocab_size': info.extras['vocab_size']}

    def inputs(self, batch: dict) -> tuple:
        return batch['source'], batch['source_mask'], batch['target'][:, :-1]

    def eval_outputs(self, model: Seq2SeqModel, params: Any, batch: dict) -> dict:
        """Teacher-forced logits [B, T, V] and the greedy decoding [B, T] from one encoding."""
        source, source_mask, target_inputs = self.inputs(batch)
        variables = {'params': params}
        encoded = model.apply(variables, source, source_mask, method=Seq2SeqModel.encode)
        logits = model.apply(
            variables, encoded, source_mask, target_inputs, method=Seq2SeqModel.decode_logits
        )
        steps = target_inputs.shape[1]
        decoded = greedy_decode(model, params, encoded, source_mask, steps, BOS_ID)
        return {'logits': logits, 'decoded': decoded}

    def loss(self, outputs: jax.Array | dict, batch: dict) -> tuple[jax.Array, dict]:
        """outputs: logits [B, T, V] (training) or eval_outputs' dict; batch target /
        target_mask [B, T + 1], mask [B] -> (loss, metrics)."""
        logits = outputs['logits'] if isinstance(outputs, dict) else outputs
        labels = batch['target'][:, 1:]
        real = batch['target_mask'][:, 1:] & (batch['mask'][:, None] > 0)
        weights = real.astype(jnp.float32)
        nll = optax.softmax_cross_entropy_with_integer_labels(logits.astype(jnp.float32), labels)
        loss_sum, count = (nll * weights).sum(), weights.sum()
        correct = ((logits.argmax(-1) == labels) * weights).sum()
        metrics = {'loss': (loss_sum, count), 'accuracy': (correct, count)}
        if isinstance(outputs, dict):
            wrong = ((outputs['decoded'] != labels) & real).any(-1)
            metrics['exact_match'] = ((~wrong * batch['mask']).sum(), batch['mask'].sum())
        return loss_sum / jnp.maximum(count, 1.0), metrics

    def predict(self, logits: jax.Array) -> dict:
        return {'next_token': logits.argmax(-1)}

    def generate(
        self,
        model: Seq2SeqModel,
        params: Any,
        options: ml_collections.ConfigDict,
        info: Any,
        directory: str,
    ) -> str:
        """Greedy outputs for options.inputs (a tuple of source strings), decoding at most
        options.steps tokens each with the tokenizer saved in the workdir; writes outputs.tsv
        (source, tab, output; one line per input) and returns its path."""
        tokenizer = load_tokenizer(info.assets[TOKENIZER_ASSET])
        sources = encode_inputs(options.inputs, tokenizer, model.max_length)
        steps = options.steps
        if not isinstance(steps, int) or not 1 <= steps <= model.max_length:
            raise ConfigError(
                f'config.generate.steps={steps!r} is not allowed; allowed: an int in '
                f'[1, max_length={model.max_length}]'
            )
        padded = text.pad_batch(sources, tokenizer.pad_id)
        source, source_mask = jnp.asarray(padded['tokens']), jnp.asarray(padded['mask'])
        encoded = model.apply({'params': params}, source, source_mask, method=Seq2SeqModel.encode)
        decoded = np.asarray(greedy_decode(model, params, encoded, source_mask, steps, BOS_ID))
        path = os.path.join(directory, 'outputs.tsv')
        with open(path, 'w', encoding='utf-8') as handle:
            for source_text, ids in zip(options.inputs, decoded, strict=True):
                handle.write(f'{source_text}\t{output_text(ids, tokenizer)}\n')
        return path


def encode_inputs(inputs: Any, tokenizer: Tokenizer, max_length: int) -> list[list[int]]:
    """Ids of each source string; one-line ConfigErrors for empty, unknown or too long ones."""
    if isinstance(inputs, str) or not inputs or not all(isinstance(s, str) for s in inputs):
        raise ConfigError(
            f'config.generate.inputs={inputs!r} is not allowed; allowed: a non-empty tuple of '
            'strings'
        )
    encoded = []
    for index, source in enumerate(inputs):
        ids = tokenizer.encode(source)
        where = f'config.generate.inputs[{index}]={source!r}'
        if not ids:
            raise ConfigError(f'{where} has no tokens; allowed: non-empty text')
        if tokenizer.unk_id in ids:
            raise ConfigError(
                f'{where} has pieces unknown to the {tokenizer.kind} tokenizer; allowed: text '
                'made of pieces seen in training'
            )
        if len(ids) > max_length:
            raise ConfigError(f'{where} has {len(ids)} tokens; allowed: <= max_length={max_length}')
        encoded.append(ids)
    return encoded


def output_text(ids: np.ndarray, tokenizer: Tokenizer) -> str:
    """Text of the ids before the first eos (all if none); ids beyond the tokenizer's vocabulary
    (the model's table may be larger) are unk."""
    ids = [int(i) if i < tokenizer.vocab_size else tokenizer.unk_id for i in ids]
    return tokenizer.decode(ids[: ids.index(tokenizer.eos_id)] if tokenizer.eos_id in ids else ids)
