"""GPT on the King James Bible; eval loss and bits per byte.

python launch.py --config=configs/gpt.py                 # BPE, sized to ~25 min on 2 idle cores
python launch.py --config=configs/gpt.py:tokenizer=byte  # byte-level, 6 blocks, 20 epochs (hours)
python launch.py --config=configs/gpt.py:tokenizer=bpe,vocab=8192,length=256
python launch.py --config=configs/gpt.py --mode=generate      # continue config.generate.prompts
python launch.py --config=configs/gpt.py:smoke                # tiny byte-level run for the tests

Trained on Genesis-Acts, selected on Romans-Philemon (validation). The BPE default is sized for
30 minutes of training (experiments/text_vs_peer.py).
"""

import ml_collections

from seqlab import config_defaults
from seqlab.config import parse_arg
from seqlab.data import tokenizers

# tokenizer -> vocabulary, context, model, optimiser, run length, eval cadence. 'bpe': 1,400 steps
# (6.1 epochs) at an estimated 0.95-1.0 s a step on 2 idle cores (experiments/step_cost.py;
# unrolled layers are the cheaper ones on CPU) is ~23 min of training, below 30 min.
SETTINGS = {
    'bpe': dict(
        vocab=4096, length=128, width=256, depth=4, heads=4, dropout=0.0, scan=False, lr=2e-3,
        steps='1400', every='20%',
    ),
    'byte': dict(
        vocab=tokenizers.BYTE_VOCAB, length=256, width=256, depth=6, heads=8, dropout=0.1,
        scan=True, lr=1e-3, steps='20ep', every='1ep',
    ),
}  # fmt: skip


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    """tokenizer: 'bpe' (default) or 'byte' picks SETTINGS (other tokenizers run the BPE setting;
    smoke is byte-level); vocab and length (0: the setting's) override its vocabulary and context."""
    arg = parse_arg(arg, tokenizer='bpe', vocab=0, length=0, smoke=False)
    kind = 'byte' if arg.smoke else arg.tokenizer
    setting = SETTINGS.get(kind, SETTINGS['bpe'])
    vocab, length = arg.vocab or setting['vocab'], arg.length or setting['length']
    config = config_defaults.base()
    config.data = config_defaults.text_data('kjv', 32, kind, vocab, length, layout='causal_lm')
    config.model = ml_collections.ConfigDict(
        dict(
            name='gpt',
            kwargs=dict(
                width=setting['width'],
                depth=setting['depth'],
                heads=setting['heads'],
                mlp_dim=4 * setting['width'],
                max_length=config.data.get_ref('max_length'),
                position='learned',
                dropout=setting['dropout'],
                attention_dropout=0.0,
                scan=setting['scan'],
                remat='none',
                dtype='float32',
            ),
        )
    )
    config.task = ml_collections.ConfigDict(dict(name='causal_lm', kwargs=dict()))
    config.steps = setting['steps']
    config.eval_every = config.checkpoint.every = setting['every']
    config.optim.lr = setting['lr']
    config.optim.weight_decay = 0.1
    config.checkpoint.best_metric = 'eval/loss'
    config.checkpoint.best_mode = 'min'
    config.generate = ml_collections.ConfigDict(
        dict(
            prompts=('In the beginning', 'And Jesus said unto them,', 'The LORD is my shepherd;'),
            steps=200,
            temperature=0.8,
            top_k=40,
            seed=0,
        )
    )
    if arg.smoke:
        config_defaults.smoke(
            config, name='kjv/tiny', batch_size=8, eval_batch_size=16, max_length=16
        )
        config.model.kwargs.update(width=16, depth=2, heads=2, mlp_dim=32)
        config.generate.update(prompts=('In', 'And the'), steps=8)
    return config
