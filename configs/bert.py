"""BERT: masked-LM pre-training on the King James Bible, then fine-tuning on WordNet glosses.

python launch.py --config=configs/bert.py --workdir=runs/bert                  # pre-train (MLM)
python launch.py --config=configs/bert.py:finetune --workdir=runs/bert_finetune
        # 45-way supersense classifier whose embeddings and encoder start from runs/bert
        # (--config.init.source=<workdir>[@best] for another run);
        # --config.optim.freeze="('encoder/.*',)" trains the rest only
python launch.py --config=configs/bert.py:finetune,scratch   # the same classifier from scratch
python launch.py --config=configs/bert.py:smoke --workdir=runs/bert_smoke   # tiny runs (tests)
python launch.py --config=configs/bert.py:finetune,smoke     # starts from runs/bert_smoke

Both stages use one tokenizer: BPE learned on the KJV train split (config.data.tokenizer_dataset),
and one encoder shape (MODEL). Model selection on the validation split.
"""

import ml_collections

from seqlab import config_defaults
from seqlab.config import ConfigError, parse_arg

MODEL = dict(
    width=128,
    depth=4,
    heads=4,
    mlp_dim=512,
    max_length=64,
    norm='post_ln',
    gelu_approximate=False,
    layer_norm_epsilon=1e-12,
    dropout=0.1,
    attention_dropout=0.1,
    scan=True,
)
SMOKE_MODEL = dict(width=16, depth=2, heads=2, mlp_dim=32, max_length=16)


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = parse_arg(
        arg, finetune=False, scratch=False, smoke=False, tokenizer='bpe', vocab=4096,
    )  # fmt: skip
    if arg.scratch and not arg.finetune:
        raise ConfigError("config argument 'scratch' goes with 'finetune' (finetune,scratch)")
    pretraining = 'kjv/tiny' if arg.smoke else 'kjv'
    if arg.finetune:
        config = config_defaults.supersense(arg.tokenizer, arg.vocab, 48)
        config.data.tokenizer_dataset = pretraining
        config.steps = '2ep'
        config.optim.lr = 3e-4
        if not arg.scratch:
            config.init.source = 'runs/bert_smoke' if arg.smoke else 'runs/bert'
            config.init.params = dict(embeddings='embeddings', encoder='encoder')
    else:
        config = config_defaults.base()
        config.data = config_defaults.text_data(
            'kjv', 64, arg.tokenizer, arg.vocab, 64, layout='masked_lm'
        )
        config.task = ml_collections.ConfigDict(dict(name='masked_lm', kwargs=dict()))
        config.steps = '5ep'
        config.optim.lr = 1e-3
        config.checkpoint.best_metric = 'eval/loss'
        config.checkpoint.best_mode = 'min'
    config.model = ml_collections.ConfigDict(
        dict(name='bert', kwargs=dict(vocab_size=config.data.get_ref('vocab_size'), **MODEL))
    )
    config.optim.weight_decay = 0.01
    config.optim.warmup = '10%'
    if arg.smoke:
        config_defaults.tiny_text_smoke(config)
        config.model.kwargs.update(SMOKE_MODEL)
    return config
