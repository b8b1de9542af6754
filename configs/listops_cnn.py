"""Text CNN on ListOps (nested MIN/MAX/MED/SM expressions of 64-256 tokens, value 0-9;
`seqlab/data/builders/listops.py`): 4 stacked convolutions of width 3 over the tokens, so each
position sees 9 tokens before the global max pool.

python launch.py --config=configs/listops_cnn.py
python launch.py --config=configs/listops_cnn.py:smoke
python experiments/conv_vs_attention_listops.py --train   # with configs/listops_transformer.py
"""

import ml_collections

from seqlab import config_defaults
from seqlab.config import parse_arg


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = parse_arg(arg, smoke=False)
    config = config_defaults.listops()
    config.model = ml_collections.ConfigDict(
        dict(
            name='text_cnn',
            kwargs=dict(
                vocab_size=config.data.get_ref('vocab_size'),
                width=32,
                features=64,
                kernel_sizes=(3,),
                depth=4,
                dropout=0.1,
            ),
        )
    )
    config.optim.weight_decay = 1e-4
    if arg.smoke:
        config_defaults.smoke(config, name='listops/tiny', batch_size=8, eval_batch_size=16)
        config.model.kwargs.update(width=8, features=8, depth=2)
    return config
