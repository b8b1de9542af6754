"""A transformers tokenizer.json through seqlab's tokenizer interface: its own ids and special
tokens, no special tokens added by encode, saved and loaded back, one-line errors."""

import pytest
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

from seqlab import config_defaults
from seqlab.data import text_splits
from seqlab.data.text_splits import vocabulary
from seqlab.data.tokenizers import PretrainedTokenizer, load_tokenizer

TEXTS = ['In the beginning God created the heaven and the earth.'] * 3


def word_piece(specials: list[str]) -> Tokenizer:
    """A BERT-like WordPiece tokenizer whose vocabulary starts with `specials`."""
    hf = Tokenizer(models.WordPiece(unk_token='[UNK]'))
    hf.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=60, special_tokens=specials)
    hf.train_from_iterator(TEXTS, trainer)
    return hf


def test_bert_special_ids_are_the_files_and_encode_adds_none(tmp_path):
    hf = word_piece(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'])
    path = tmp_path / 'tokenizer.json'
    hf.save(str(path))
    tokenizer = load_tokenizer(path)
    assert isinstance(tokenizer, PretrainedTokenizer)
    ids = (tokenizer.pad_id, tokenizer.unk_id, tokenizer.bos_id, tokenizer.eos_id)
    assert ids + (tokenizer.mask_id,) == (0, 1, 2, 3, 4)
    text = 'the heaven and the earth'
    assert tokenizer.encode(text) == hf.encode(text, add_special_tokens=False).ids
    assert tokenizer.vocab_size == hf.get_vocab_size()
    assert tokenizer.decode(tokenizer.encode(text)) == text
    assert ''.join(tokenizer.split('heaven')).replace('##', '') == 'heaven'
    assert len(tokenizer.split(text)) == len(tokenizer.encode(text))
    tokenizer.save(tmp_path / 'saved.json')  # the seqlab format ({'kind': 'pretrained', ...})
    again = load_tokenizer(tmp_path / 'saved.json')
    assert again.encode(text) == tokenizer.encode(text) and again.mask_id == 4


def test_gpt2_style_endoftext_serves_every_role_but_mask(tmp_path):
    hf = Tokenizer(models.BPE())
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    hf.train_from_iterator(
        TEXTS, trainers.BpeTrainer(vocab_size=300, special_tokens=['<|endoftext|>'])
    )
    hf.save(str(tmp_path / 'tokenizer.json'))
    tokenizer = load_tokenizer(tmp_path / 'tokenizer.json')
    roles = {tokenizer.pad_id, tokenizer.bos_id, tokenizer.eos_id, tokenizer.unk_id}
    assert roles == {hf.token_to_id('<|endoftext|>')}
    assert tokenizer.mask_id is None


def test_a_tokenizer_without_a_pad_token_is_one_line(tmp_path):
    word_piece(['[UNK]']).save(str(tmp_path / 'tokenizer.json'))
    with pytest.raises(ValueError) as error:
        load_tokenizer(tmp_path / 'tokenizer.json')
    assert str(error.value) == (
        f'{tmp_path / "tokenizer.json"}: the tokenizer has no pad token; allowed: one of '
        '[PAD], <pad>, <|endoftext|>'
    )


def test_more_ids_than_vocab_size_is_one_line(tmp_path):
    path = str(tmp_path / 'tokenizer.json')
    word_piece(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']).save(path)
    size = load_tokenizer(path).vocab_size
    assert vocabulary.pretrained_tokenizer(path, size)[1] == path
    with pytest.raises(ValueError) as error:
        vocabulary.pretrained_tokenizer(path, size - 1)
    assert str(error.value) == (
        f'config.data.tokenizer_file={path!r} has {size} ids and config.data.vocab_size='
        f'{size - 1} (the embedding table); allowed: a vocab_size >= {size}'
    )


@pytest.mark.parametrize(
    'kind, file, message',
    [
        ('pretrained', '', 'do not go together'),
        ('bpe', 'tokenizer.json', 'do not go together'),
        ('pretrained', '/no/tokenizer.json', "tokenizer_file='/no/tokenizer.json' does not exist"),
    ],
)
def test_tokenizer_file_goes_with_pretrained_and_exists(kind, file, message):
    config = config_defaults.text_data(tokenizer=kind, vocab_size=300)
    config.tokenizer_file = file
    with pytest.raises(ValueError, match=message):
        text_splits.check(config)
