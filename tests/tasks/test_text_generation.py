"""--mode=generate for the causal LM: samples.txt holds each prompt and its continuation (equal
to gpt.generate on [eos] + the prompt's ids), and bad options are one-line ConfigErrors."""

import os

import jax.numpy as jnp
import pytest

from seqlab import launcher
from seqlab.config import ConfigError
from seqlab.data.tokenizers import EOS_ID, ByteTokenizer, WordTokenizer
from seqlab.models import gpt
from seqlab.tasks.text_prompts import decode_lines, encode_prompts
from seqlab.train import loop
from tests.conftest import REPO


@pytest.fixture(scope='module')
def checkpointed(data_dir, tmp_path_factory):
    """An initialised (untrained) smoke GPT saved as the checkpoint of step 0."""
    config = launcher.load_config(os.path.join(REPO, 'configs', 'gpt.py:smoke'), {})
    workdir = str(tmp_path_factory.mktemp('gpt'))
    run = loop.Run(config, workdir)
    checkpointer = run.checkpointer()
    checkpointer.save(0, run.initial_state(), iter(run.plan.splits.train).get_state())
    checkpointer.wait()
    checkpointer.close()
    return config, workdir, run


def test_generate_writes_each_prompt_and_its_greedy_continuation(checkpointed):
    config, workdir, run = checkpointed
    config = config.copy_and_resolve_references()
    config.generate.update(prompts=('In', 'And the'), steps=8, temperature=0.0)
    path = loop.generate(config, workdir)
    assert path == os.path.join(workdir, 'generated_0', 'samples.txt')
    blocks = open(path, encoding='utf-8').read().split('\n\n')
    params = run.restore_params(0)[0]
    tokenizer = ByteTokenizer()
    for index, prompt in enumerate(config.generate.prompts):
        ids = jnp.array([[EOS_ID, *tokenizer.encode(prompt)]])
        new = gpt.generate(run.plan.model, params, ids, steps=8, temperature=0.0)
        expected = prompt + decode_lines(tokenizer, [int(i) for i in new[0]])
        assert blocks[index].rstrip('\n') == f'--- prompt {index}: {prompt!r}\n{expected}'
    assert len(blocks) == 2


@pytest.mark.parametrize(
    'key, value, message',
    [
        ('prompts', (), r'config.generate.prompts=\(\) is not allowed; allowed: a non-empty tuple'),
        ('steps', 9, r'\(8 tokens with the leading eos\) \+ config.generate.steps=9 = 17 > '),
        ('temperature', -0.5, r'temperature=-0.5 is not allowed; allowed: >= 0'),
        ('top_k', 999, r'top_k=999 is not allowed; allowed: an int in \[0, 261\]'),
    ],
)
def test_bad_options_are_one_line_errors(checkpointed, key, value, message):
    config, workdir, _ = checkpointed
    config = config.copy_and_resolve_references()
    config.generate[key] = value
    with pytest.raises(ConfigError, match=message) as error:
        loop.generate(config, workdir)
    assert '\n' not in str(error.value)


def test_a_prompt_with_unknown_words_is_refused():
    tokenizer = WordTokenizer(['the', 'LORD'])
    assert encode_prompts(['the LORD'], tokenizer, 2, 8) == [[EOS_ID, 5, 6]]
    with pytest.raises(ConfigError, match=r"unknown to the word tokenizer: \['of', 'Zion'\]"):
        encode_prompts(['the LORD of Zion'], tokenizer, 2, 8)


def test_eos_becomes_a_line_break():
    tokenizer = ByteTokenizer()
    ids = [*tokenizer.encode('amen'), EOS_ID, *tokenizer.encode('Paul')]
    assert decode_lines(tokenizer, ids) == 'amen\nPaul'
