"""Text datasets as `Splits`, in the layout `config.data.layout` names (one module of this package
each, `checks.LAYOUTS`, imported when a config names it): 'classification' (a `text` and a
ClassLabel `label`), 'causal_lm' and 'masked_lm' (`text` only; labels ignored) or 'seq2seq'
(`source` and `target` features). The layout is named in the config, never guessed from the
dataset: a dataset without the features its layout reads is a one-line error (checks.py, with
every other check of a text config).

The tokenizer (`config.data.tokenizer`, `vocab_size`) is trained on the train split's texts (for
pairs, each source then its target), in file order, and cached as JSON next to the prepared dataset
(`tokenizer_<split>_<kind>_<size>.json` in the builder's data dir), so train, eval and a resumed run
all use the identical tokenizer (vocabulary.py). It is the dataset asset `tokenizer.json`
(`info.assets`), which the train loop keeps in the workdir; generation reads that copy.

config.data keys (besides the common ones; `seqlab.config_defaults.text_data` has them all):
  layout       'classification' (the default), 'causal_lm', 'masked_lm' or 'seq2seq'
  tokenizer    'byte', 'char', 'word' or 'bpe' (seqlab.data.tokenizers), or 'pretrained' with
  tokenizer_file  a transformers tokenizer.json, used as it is (not learned; its ids unchanged)
  vocab_size   ids in [0, vocab_size): the learned vocabulary's bound (char/word/bpe); byte needs
               >= 261, pretrained >= the file's vocabulary. Models size their embedding table
               with it.
  max_length   tokens per example; longer texts are truncated to their first max_length tokens
               (seq2seq: tokens per source; longer sources are an error)
  target_length   seq2seq only (and needed there): tokens per target, eos included; longer
               targets are an error
  tokenizer_dataset  optional: learn the tokenizer from this text dataset's train split instead,
               so runs on different data share one tokenizer (pre-training, then fine-tuning);
               unused with a pretrained tokenizer
  mask_rate    masked_lm only (default 0.15, `masking.MASK_RATE`), in (0, 1): the share of window
               positions BERT-masked by seqlab.data.masking, anew at each read of a train window,
               fixed per eval window

Every record of a classification layout's train and eval splits is checked before training (an
empty text is refused naming its record; seqlab/data/record_scan.py).

Classification batch, besides `id`, `mask` (float32 [B], 0 for padding examples) and `label`:
  tokens       int32 [B, max_length]  ids, pad_id after the text
  token_mask   bool  [B, max_length]  True on real tokens
Language-model batch (the train verses' ids joined by eos into one stream, cut by `causal_lm.lm_windows`;
eval likewise on the eval split): `tokens` / `token_mask` [B, max_length + 1] (inputs
tokens[:, :-1], targets tokens[:, 1:]), and for lossless tokenizers `token_bytes` int32
[B, max_length + 1], the UTF-8 bytes each token stands for (eos: 1, the line break it replaces).
Masked-LM batch (the ids joined by eos as for language models, cut into windows of max_length):
`tokens` (masked) / `token_mask` [B, max_length], `targets` int32 [B, max_length] (the original
ids) and `target_mask` bool [B, max_length] (the positions to predict).
Seq2seq batch: `source` / `source_mask` [B, max_length], `target` / `target_mask`
[B, target_length + 1] (bos, target, eos; see seqlab.data.text_pairs).
info.input_shape = (max_length,), for seq2seq (max_length, target_length): the source and decoder
input lengths; info.extras: vocab_size, pad_id (+ class_names); info.assets: tokenizer.json.
"""

import importlib

import ml_collections
import tensorflow_datasets as tfds

from seqlab.data.recipe import Recipe
from seqlab.data.text_splits.checks import LAYOUTS, check, layout_keys
from seqlab.data.text_splits.opened import Opened
from seqlab.data.text_splits.vocabulary import cached_tokenizer, tokenizer_source
from seqlab.data.tfds_io import source

__all__ = ['LAYOUTS', 'check', 'recipe']


def recipe(
    builder: tfds.core.DatasetBuilder, data_config: ml_collections.ConfigDict, *, seed: int
) -> Recipe:
    """How the text dataset `builder` is read: `config.data.layout`'s module makes the recipe
    (`read(opened)`) of the dataset opened with the tokenizer learned from (or cached for) the
    train split's texts."""
    keys = layout_keys(data_config, builder.info.features)
    train_source = source(builder, data_config, 'train_split')
    eval_source = source(builder, data_config, 'eval_split')
    tokenizer_builder, tokenizer_texts = tokenizer_source(builder, data_config, train_source)
    tokenizer, path = cached_tokenizer(tokenizer_builder, data_config, tokenizer_texts, keys)
    opened = Opened(builder, data_config, train_source, eval_source, tokenizer, path, seed)
    return importlib.import_module(f'{__name__}.{data_config.layout}').read(opened)
