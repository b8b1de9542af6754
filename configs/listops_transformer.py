"""Transformer encoder on ListOps (nested MIN/MAX/MED/SM expressions of 64-256 tokens, value
0-9; `seqlab/data/builders/listops.py`): every token attends to all 256 positions.

python launch.py --config=configs/listops_transformer.py
python launch.py --config=configs/listops_transformer.py:smoke
python experiments/conv_vs_attention_listops.py --train   # with configs/listops_cnn.py
"""

import ml_collections

from seqlab import config_defaults
from seqlab.config import parse_arg


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = parse_arg(arg, smoke=False)
    config = config_defaults.listops()
    config.model = ml_collections.ConfigDict(
        dict(
            name='text_transformer',
            kwargs=dict(
                vocab_size=config.data.get_ref('vocab_size'),
                width=32,
                depth=2,
                heads=2,
                mlp_dim=64,
                max_length=config.data.get_ref('max_length'),
                pool='cls',
                position='learned',
                interpolate=False,
                dropout=0.1,
                attention_dropout=0.0,
                scan=True,
                remat='none',
                dtype='float32',
            ),
        )
    )
    config.optim.weight_decay = 0.01
    if arg.smoke:
        config_defaults.smoke(config, name='listops/tiny', batch_size=8, eval_batch_size=16)
        config.data.max_length = 96
        config.model.kwargs.update(width=16, depth=2, heads=2, mlp_dim=32)
    return config
