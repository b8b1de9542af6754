"""Text CNN on WordNet glosses -> supersense (45 classes), word tokens.

python launch.py --config=configs/text_cnn.py
python launch.py --config=configs/text_cnn.py:tokenizer=bpe,vocab=8000
python launch.py --config=configs/text_cnn.py:smoke          # tiny run used by the tests

Model selection on the validation split.
"""

import ml_collections

from seqlab import config_defaults
from seqlab.config import parse_arg


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = parse_arg(arg, tokenizer='word', vocab=20_000, max_length=48, smoke=False)
    config = config_defaults.supersense(arg.tokenizer, arg.vocab, arg.max_length)
    config.model = ml_collections.ConfigDict(
        dict(
            name='text_cnn',
            kwargs=dict(
                vocab_size=config.data.get_ref('vocab_size'),
                width=128,
                features=128,
                kernel_sizes=(3, 4, 5),
                depth=1,
                dropout=0.3,
            ),
        )
    )
    config.steps = '8ep'
    config.optim.lr = 1e-3
    config.optim.weight_decay = 1e-4
    if arg.smoke:
        config_defaults.tiny_text_smoke(config)
        config.model.kwargs.update(width=16, features=8, kernel_sizes=(2, 3))
    return config
