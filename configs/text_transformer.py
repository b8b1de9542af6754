"""Transformer encoder on WordNet glosses -> supersense (45 classes), word tokens.

python launch.py --config=configs/text_transformer.py
python launch.py --config=configs/text_transformer.py:pool=mean,position=sinusoidal
python launch.py --config=configs/text_transformer.py:smoke   # tiny run used by the tests

Model selection on the validation split.
"""

import ml_collections

from seqlab import config_defaults
from seqlab.config import one_of, parse_arg
from seqlab.models.text_transformer import POOLS, POSITIONS


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = parse_arg(
        arg, tokenizer='word', vocab=20_000, max_length=48, pool='cls', position='learned',
        smoke=False,
    )  # fmt: skip
    one_of('config argument pool', arg.pool, POOLS)
    one_of('config argument position', arg.position, POSITIONS)
    config = config_defaults.supersense(arg.tokenizer, arg.vocab, arg.max_length)
    config.model = ml_collections.ConfigDict(
        dict(
            name='text_transformer',
            kwargs=dict(
                vocab_size=config.data.get_ref('vocab_size'),
                width=128,
                depth=4,
                heads=4,
                mlp_dim=256,
                max_length=config.data.get_ref('max_length'),
                pool=arg.pool,
                position=arg.position,
                interpolate=False,
                dropout=0.1,
                attention_dropout=0.0,
                scan=True,
                remat='none',
                dtype='float32',
            ),
        )
    )
    config.steps = '4ep'  # ~22 min on 2 idle cores (experiments/step_cost.py: 0.22 s a step)
    config.optim.lr = 5e-4
    config.optim.weight_decay = 0.01
    if arg.smoke:
        config_defaults.tiny_text_smoke(config)
        config.model.kwargs.update(width=16, depth=2, heads=2, mlp_dim=32)
    return config
