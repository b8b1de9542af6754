"""Tokenizers: text <-> integer ids behind one interface.

Every tokenizer reserves the same five special ids and starts its content ids after them:

    pad 0, bos 1, eos 2, unk 3, mask 4;  content ids NUM_SPECIAL .. vocab_size - 1

Kinds (`make_tokenizer(kind, train_texts, **options)`):
    byte  the UTF-8 bytes of the text; vocab 261; lossless; ignores the training text.
    char  the characters seen in training; unseen characters encode to unk (lossy).
    word  words (\\w+) and single punctuation marks seen in training; decode joins them with
          single spaces, so whitespace is not kept (lossy).
    bpe   byte-level BPE trained with HF `tokenizers`; every string has an encoding (lossless).

    pretrained  a transformers tokenizer.json read with HF `tokenizers` (not trained here): its
          own ids, which index a pretrained embedding table, and its own special tokens.

`decode` drops pad/bos/eos/mask and writes unk as U+FFFD. A tokenizer that declares
`lossless = True` satisfies `decode(encode(s)) == s` for every Unicode string `s`. `save(path)`
writes one JSON file (it can live in a workdir next to a checkpoint); `load_tokenizer(path)`
reads any kind back, and a transformers tokenizer.json as a pretrained tokenizer.
"""

import abc
import collections
import json
import pathlib
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from seqlab.config import ConfigError

if TYPE_CHECKING:  # HF `tokenizers` is imported where a bpe or pretrained tokenizer needs it
    import tokenizers

SPECIAL_TOKENS = ('<pad>', '<bos>', '<eos>', '<unk>', '<mask>')
PAD_ID, BOS_ID, EOS_ID, UNK_ID, MASK_ID = range(len(SPECIAL_TOKENS))
NUM_SPECIAL = len(SPECIAL_TOKENS)
BYTE_VOCAB = NUM_SPECIAL + 256  # the byte tokenizer's ids
TOKENIZER_ASSET = 'tokenizer.json'  # the dataset asset a text dataset's tokenizer is saved as
UNK_TEXT = '\ufffd'
_SILENT_IDS = frozenset({PAD_ID, BOS_ID, EOS_ID, MASK_ID})
_WORD_PATTERN = re.compile(r'\w+|[^\w\s]')


class Tokenizer(abc.ABC):
    """Maps a string to a list of ids in [0, vocab_size) and back."""

    kind: ClassVar[str]
    lossless: ClassVar[bool]
    pad_id: int = PAD_ID  # class defaults; a pretrained tokenizer has its own
    bos_id: int = BOS_ID
    eos_id: int = EOS_ID
    unk_id: int = UNK_ID
    mask_id: int | None = MASK_ID  # None: no mask token (no masked-LM data)

    @property
    @abc.abstractmethod
    def vocab_size(self) -> int:
        """Number of ids, special ids included."""

    @property
    def special_ids(self) -> frozenset[int]:
        """Ids that stand for no text (pad, bos, eos, unk, mask, ...): never masked or drawn as
        random replacements in masked-LM data."""
        return frozenset(range(NUM_SPECIAL))

    @abc.abstractmethod
    def encode(self, text: str) -> list[int]:
        """Ids of `text`, without bos/eos."""

    @abc.abstractmethod
    def decode(self, ids: Sequence[int]) -> str:
        """Text of `ids`; pad/bos/eos/mask are dropped, unk becomes U+FFFD."""

    @abc.abstractmethod
    def state(self) -> dict[str, Any]:
        """JSON-serialisable contents, enough for `from_state` to rebuild the tokenizer."""

    @classmethod
    @abc.abstractmethod
    def from_state(cls, state: dict[str, Any]) -> 'Tokenizer':
        """Inverse of `state`."""

    def save(self, path: str | pathlib.Path) -> None:
        """Writes the tokenizer as one JSON file at `path`."""
        payload = {'kind': self.kind, **self.state()}
        pathlib.Path(path).write_text(json.dumps(payload, ensure_ascii=False), encoding='utf-8')

    def _check_ids(self, ids: Sequence[int]) -> None:
        bad = [i for i in ids if not 0 <= i < self.vocab_size]
        if bad:
            raise ValueError(f'ids {bad[:5]} out of range; allowed: 0..{self.vocab_size - 1}')


class ByteTokenizer(Tokenizer):
    """UTF-8 bytes: id = byte + NUM_SPECIAL."""

    kind = 'byte'
    lossless = True

    @property
    def vocab_size(self) -> int:
        return BYTE_VOCAB

    def encode(self, text: str) -> list[int]:
        return [b + NUM_SPECIAL for b in text.encode('utf-8')]

    def decode(self, ids: Sequence[int]) -> str:
        self._check_ids(ids)
        unk = UNK_TEXT.encode('utf-8')
        data = b''.join(
            unk if i == UNK_ID else bytes([i - NUM_SPECIAL]) for i in ids if i not in _SILENT_IDS
        )
        return data.decode('utf-8', errors='replace')

    def state(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> 'ByteTokenizer':
        return cls()


class _VocabTokenizer(Tokenizer):
    """A fixed list of pieces; piece k has id NUM_SPECIAL + k, unknown pieces map to unk."""

    lossless = False
    separator: ClassVar[str]

    def __init__(self, pieces: Sequence[str]):
        self.pieces = list(pieces)
        self._ids = {piece: NUM_SPECIAL + k for k, piece in enumerate(self.pieces)}

    @property
    def vocab_size(self) -> int:
        return NUM_SPECIAL + len(self.pieces)

    @abc.abstractmethod
    def split(self, text: str) -> list[str]:
        """Pieces of `text` before lookup."""

    def encode(self, text: str) -> list[int]:
        return [self._ids.get(piece, UNK_ID) for piece in self.split(text)]

    def decode(self, ids: Sequence[int]) -> str:
        self._check_ids(ids)
        return self.separator.join(
            UNK_TEXT if i == UNK_ID else self.pieces[i - NUM_SPECIAL]
            for i in ids
            if i not in _SILENT_IDS
        )

    @classmethod
    def train(
        cls, texts: Sequence[str], max_size: int | None = None, min_count: int = 1, **kw: Any
    ) -> '_VocabTokenizer':
        """Keeps the `max_size` most frequent pieces seen at least `min_count` times."""
        tokenizer = cls([], **kw)
        counts = collections.Counter(p for text in texts for p in tokenizer.split(text))
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return cls([p for p, count in ranked[:max_size] if count >= min_count], **kw)


class CharTokenizer(_VocabTokenizer):
    """One id per Unicode code point seen in training."""

    kind = 'char'
    separator = ''

    def split(self, text: str) -> list[str]:
        return list(text)

    def state(self) -> dict[str, Any]:
        return {'pieces': self.pieces}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> 'CharTokenizer':
        return cls(state['pieces'])


class WordTokenizer(_VocabTokenizer):
    """One id per word (\\w+) or punctuation mark seen in training, optionally lower-cased."""

    kind = 'word'
    separator = ' '

    def __init__(self, pieces: Sequence[str], lowercase: bool = False):
        super().__init__(pieces)
        self.lowercase = lowercase

    def split(self, text: str) -> list[str]:
        return _WORD_PATTERN.findall(text.lower() if self.lowercase else text)

    def state(self) -> dict[str, Any]:
        return {'pieces': self.pieces, 'lowercase': self.lowercase}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> 'WordTokenizer':
        return cls(state['pieces'], lowercase=state['lowercase'])


class BpeTokenizer(Tokenizer):
    """Byte-level BPE (HF `tokenizers`): HF id k has id NUM_SPECIAL + k.

    The special tokens are not part of the HF vocabulary, so text such as '<pad>' is
    ordinary text and round-trips like any other.
    """

    kind = 'bpe'
    lossless = True

    def __init__(self, hf: 'tokenizers.Tokenizer'):
        self.hf = hf

    @classmethod
    def train(
        cls, texts: Sequence[str], vocab_size: int = 8000, min_frequency: int = 2
    ) -> 'BpeTokenizer':
        """Learns merges on `texts` until `vocab_size` ids (special ids included)."""
        if vocab_size < BYTE_VOCAB:
            raise ValueError(f'bpe vocab_size {vocab_size} too small; allowed: >= {BYTE_VOCAB}')
        from tokenizers import Tokenizer as HfTokenizer
        from tokenizers import decoders, models, pre_tokenizers, trainers

        hf = HfTokenizer(models.BPE())
        hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        hf.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size - NUM_SPECIAL,
            min_frequency=min_frequency,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        )
        hf.train_from_iterator(texts, trainer)
        return cls(hf)

    @property
    def vocab_size(self) -> int:
        return NUM_SPECIAL + self.hf.get_vocab_size()

    def encode(self, text: str) -> list[int]:
        return [i + NUM_SPECIAL for i in self.hf.encode(text).ids]

    def decode(self, ids: Sequence[int]) -> str:
        self._check_ids(ids)
        pieces, run = [], []
        for i in ids:
            if i >= NUM_SPECIAL:
                run.append(i - NUM_SPECIAL)
            elif i == UNK_ID:
                pieces += [self.hf.decode(run), UNK_TEXT]
                run = []
        pieces.append(self.hf.decode(run))
        return ''.join(pieces)

    def state(self) -> dict[str, Any]:
        return {'hf': self.hf.to_str()}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> 'BpeTokenizer':
        return cls(hf_tokenizer(state['hf']))


# Special tokens of transformers tokenizers by role, in the order they are looked for (BERT's,
# RoBERTa's / T5's, then GPT-2's one token for everything).
SPECIAL_NAMES = {
    'pad': ('[PAD]', '<pad>', '<|endoftext|>'),
    'bos': ('[CLS]', '<s>', '<bos>', '<|endoftext|>'),
    'eos': ('[SEP]', '</s>', '<eos>', '<|endoftext|>'),
    'unk': ('[UNK]', '<unk>', '<|endoftext|>'),
    'mask': ('[MASK]', '<mask>'),
}


class PretrainedTokenizer(Tokenizer):
    """A transformers tokenizer.json (HF `tokenizers`), ids unchanged: id k is the pretrained
    model's embedding row k. Special ids are those of its tokens with the usual names
    (SPECIAL_NAMES, first found); `encode` adds no special tokens (no [CLS]/[SEP]). Lossy: BERT's
    WordPiece lower-cases and drops accents.
    """

    kind = 'pretrained'
    lossless = False

    def __init__(self, hf: 'tokenizers.Tokenizer'):
        self.hf = hf
        vocabulary = hf.get_vocab(with_added_tokens=True)
        ids = {}
        for role, names in SPECIAL_NAMES.items():
            found = [vocabulary[name] for name in names if name in vocabulary]
            if not found and role != 'mask':
                raise ValueError(
                    f'the tokenizer has no {role} token; allowed: one of {", ".join(names)}'
                )
            ids[role] = found[0] if found else None
        self.pad_id, self.bos_id, self.eos_id = ids['pad'], ids['bos'], ids['eos']
        self.unk_id, self.mask_id = ids['unk'], ids['mask']

    @property
    def vocab_size(self) -> int:
        return self.hf.get_vocab_size(with_added_tokens=True)

    @property
    def special_ids(self) -> frozenset[int]:
        """The role ids plus every token the file marks special ([CLS], [SEP], ...)."""
        marked = [i for i, token in self.hf.get_added_tokens_decoder().items() if token.special]
        roles = (self.pad_id, self.bos_id, self.eos_id, self.unk_id, self.mask_id)
        return frozenset(marked) | {i for i in roles if i is not None}

    def encode(self, text: str) -> list[int]:
        return self.hf.encode(text, add_special_tokens=False).ids

    def split(self, text: str) -> list[str]:
        """The pieces `encode` gives ids to, one per id."""
        return self.hf.encode(text, add_special_tokens=False).tokens

    def decode(self, ids: Sequence[int]) -> str:
        self._check_ids(ids)
        return self.hf.decode(list(ids), skip_special_tokens=True)

    def state(self) -> dict[str, Any]:
        return {'hf': self.hf.to_str()}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> 'PretrainedTokenizer':
        return cls(hf_tokenizer(state['hf']))


def hf_tokenizer(text: str) -> 'tokenizers.Tokenizer':
    """The HF `tokenizers` tokenizer whose JSON is `text`."""
    import tokenizers

    return tokenizers.Tokenizer.from_str(text)


KINDS: dict[str, type[Tokenizer]] = {  # learned from text by make_tokenizer
    cls.kind: cls for cls in (ByteTokenizer, CharTokenizer, WordTokenizer, BpeTokenizer)
}
LOADABLE: dict[str, type[Tokenizer]] = {**KINDS, PretrainedTokenizer.kind: PretrainedTokenizer}


def make_tokenizer(kind: str, train_texts: Iterable[str] = (), **options: Any) -> Tokenizer:
    """Builds a tokenizer of `kind` (see KINDS), trained on `train_texts` where it learns.

    Options: char `max_size`, `min_count`; word `max_size`, `min_count`, `lowercase`;
    bpe `vocab_size`, `min_frequency`; byte none.
    """
    if kind not in KINDS:
        raise ValueError(f'unknown tokenizer kind {kind!r}; allowed: {sorted(KINDS)}')
    if kind == 'byte':
        return ByteTokenizer(**options)
    texts = list(train_texts)
    if not any(texts):
        raise ValueError(f'{kind} tokenizer needs non-empty training text; got {len(texts)} texts')
    return KINDS[kind].train(texts, **options)


def load_tokenizer(path: str | pathlib.Path) -> Tokenizer:
    """Reads a tokenizer written by `Tokenizer.save`, or a transformers tokenizer.json (a
    `tokenizers` file: no 'kind', a 'model') as a PretrainedTokenizer. A file that is not one
    (a user's tokenizer_file, a damaged copy) raises a one-line ConfigError naming it."""
    try:
        text = pathlib.Path(path).read_text(encoding='utf-8')
        state = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f'{path}: not a tokenizer JSON file ({error})') from None
    if not isinstance(state, dict):
        raise ConfigError(f'{path}: not a tokenizer (a JSON {type(state).__name__})')
    if 'kind' not in state and 'model' in state:
        try:
            return PretrainedTokenizer(hf_tokenizer(text))
        except Exception as error:  # tokenizers raises a bare Exception; ours a ValueError
            raise ConfigError(f'{path}: {str(error).splitlines()[0]}') from None
    kind = state.pop('kind', None)
    if kind not in LOADABLE:
        raise ConfigError(f'{path}: unknown tokenizer kind {kind!r}; allowed: {sorted(LOADABLE)}')
    return LOADABLE[kind].from_state(state)
