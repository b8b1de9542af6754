"""A tokenizer.json next to a transformers checkpoint tokenizes the run's text.

`--config.init.source=hf:<dir>` on a text config makes config.data use <dir>/tokenizer.json (read
with HF `tokenizers`, its ids unchanged) with the checkpoint's vocab_size; the run's batches hold
exactly the ids `tokenizers` gives, the file is the workdir's tokenizer asset, and the trained run
generates from prompts. A tokenizer
with more ids than the embedding table, a contradicting override and masked-LM data without a
mask token are one-line errors.
"""

import filecmp
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from tokenizers import Tokenizer, pre_tokenizers, trainers
from tokenizers import models as hf_models

from seqlab import data, interop, launcher
from seqlab.config import ConfigError
from seqlab.data import builders, data_dir
from seqlab.data.text_splits import vocabulary
from seqlab.data.tfds_io import source
from seqlab.models.bert import BERT
from seqlab.models.gpt import GPT
from seqlab.train import loop

SHORT = {'steps': '2', 'eval_every': '2', 'checkpoint.every': '2', 'log_every': '1'}
VERSES = [
    'In the beginning God created the heaven and the earth.',
    'And God said, Let there be light: and there was light.',
    'And the evening and the morning were the first day.',
]


def byte_level_bpe(specials: list[str]) -> Tokenizer:
    """A GPT-2-like byte-level BPE tokenizer learned on a few verses."""
    hf = Tokenizer(hf_models.BPE())
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    trainer = trainers.BpeTrainer(
        vocab_size=320, special_tokens=specials, initial_alphabet=alphabet, show_progress=False
    )
    hf.train_from_iterator(VERSES * 4, trainer)
    return hf


def checkpoint(path, model, tokens, hf: Tokenizer) -> str:
    """`model` (random) exported to `path` with `hf` as its tokenizer.json."""
    params = jax.jit(model.init)(jax.random.PRNGKey(0), tokens)['params']
    interop.to_transformers(model, {'params': params}, str(path))
    hf.save(str(path / 'tokenizer.json'))
    return str(path)


def gpt(path, vocab_size: int, hf: Tokenizer) -> str:
    model = GPT(vocab_size=vocab_size, width=16, depth=2, heads=2, mlp_dim=32, max_length=16)
    return checkpoint(path, model, jnp.zeros((1, 16), jnp.int32), hf)


def test_gpt_trains_on_ids_of_the_checkpoint_tokenizer(tmp_path):
    hf = byte_level_bpe(['<|endoftext|>'])
    size = hf.get_vocab_size()
    path = gpt(tmp_path / 'gpt', size + 3, hf)  # an embedding table with spare rows
    config = launcher.load_config('configs/gpt.py:smoke', {'init.source': f'hf:{path}', **SHORT})
    file = os.path.join(path, 'tokenizer.json')
    assert (config.data.tokenizer, config.data.tokenizer_file) == ('pretrained', file)
    assert config.data.vocab_size == size + 3

    workdir = tmp_path / 'run'
    loop.train_and_evaluate(config, str(workdir))
    assert filecmp.cmp(workdir / 'assets' / 'tokenizer.json', file, shallow=False)

    builder = builders.offline(config.data.name, data_dir(config.data))
    stream = []
    for line in vocabulary.texts(source(builder, config.data, 'eval_split'))[:3]:
        stream += [*hf.encode(line).ids, hf.token_to_id('<|endoftext|>')]
    splits = data.get(config.data, seed=0, process_index=0, process_count=1)
    window = next(iter(splits.eval))['tokens'][0]
    np.testing.assert_array_equal(window, stream[: len(window)])
    assert max(stream) >= 256 + 1  # merged pieces: these are BPE ids, not bytes
    assert loop.generate(config, str(workdir))  # prompts in, text out with the same tokenizer


def test_a_tokenizer_larger_than_the_embedding_table_is_one_line(tmp_path):
    hf = byte_level_bpe(['<|endoftext|>'])
    size = hf.get_vocab_size()
    path = gpt(tmp_path, size - 1, hf)
    with pytest.raises(ConfigError) as error:
        launcher.load_config('configs/gpt.py:smoke', {'init.source': f'hf:{path}'})
    assert str(error.value) == (
        f'config.init.source=hf:{path}: tokenizer.json has {size} ids and the embedding table '
        f'{size - 1} rows (config.json vocab_size); allowed: a tokenizer of at most {size - 1} ids'
    )


def test_an_override_contradicting_the_tokenizer_is_one_line(tmp_path):
    hf = byte_level_bpe(['<|endoftext|>'])
    path = gpt(tmp_path, hf.get_vocab_size(), hf)
    with pytest.raises(ConfigError) as error:
        launcher.load_config(
            'configs/gpt.py:smoke', {'init.source': f'hf:{path}', 'data.tokenizer': 'byte'}
        )
    assert str(error.value) == (
        f'--config.data.tokenizer=byte contradicts the checkpoint {path} (its tokenizer.json: '
        "tokenizer='pretrained'); allowed: 'pretrained' or no override"
    )


def test_masked_lm_data_needs_a_mask_token(tmp_path):
    hf = byte_level_bpe(['<|endoftext|>'])  # no [MASK] / <mask>
    model = BERT(vocab_size=hf.get_vocab_size(), width=16, depth=2, heads=2, mlp_dim=32,
                 max_length=16)  # fmt: skip
    path = checkpoint(tmp_path / 'bert', model, jnp.zeros((1, 16), jnp.int32), hf)
    config = launcher.load_config('configs/bert.py:smoke', {'init.source': f'hf:{path}'})
    with pytest.raises(ConfigError) as error:
        loop.Run(config, str(tmp_path / 'run'))
    assert str(error.value) == (
        f'config.data.mask_rate=0.15 needs a mask token, and the tokenizer {path}/tokenizer.json '
        'has none; allowed: 0.0 for it'
    )
