"""MLP-Mixer (Tolstikhin et al. 2021) on Fashion-MNIST patches.

python launch.py --config=configs/mixer.py                  # 16 tokens of 7x7 pixels, 8 epochs
python launch.py --config=configs/mixer.py:patch=4,depth=8
python launch.py --config=configs/mixer.py:smoke
"""

import ml_collections

from seqlab import config_defaults
from seqlab.config import parse_arg


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = parse_arg(arg, patch=7, width=128, depth=6, smoke=False)
    config = config_defaults.image_classification('fashion_mnist')
    config.model = ml_collections.ConfigDict(
        dict(
            name='mixer',
            kwargs=dict(
                patch=arg.patch,
                width=arg.width,
                depth=arg.depth,
                tokens_mlp_dim=64,
                channels_mlp_dim=4 * arg.width,
                dropout=0.0,
            ),
        )
    )
    # Sized for 20 minutes on 2 CPU cores. The learning rate was chosen on the validation split
    # (3e-3 over 1e-3 at 8 epochs, one seed each: results/vision_recipes.md); test accuracy and
    # wall time over 3 seeds: results/vision_vs_peer.md.
    config.steps = '8ep'
    config.eval_every = '2ep'
    config.optim.lr = 3e-3
    if arg.smoke:
        config_defaults.image_classification_smoke(config)
        config.model.kwargs.update(
            patch=4, width=16, depth=2, tokens_mlp_dim=8, channels_mlp_dim=32
        )
    return config
