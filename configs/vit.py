"""Vision Transformer (Dosovitskiy et al. 2021) on Fashion-MNIST patches.

python launch.py --config=configs/vit.py                   # default: reaches >= 90% test accuracy
python launch.py --config=configs/vit.py:variant=Ti,patch=4,pool=mean
python launch.py --config=configs/vit.py:smoke             # tiny run used by the tests
"""

import ml_collections

from seqlab.config import one_of, parse_arg
from seqlab.train import defaults

# variant: (width, depth, heads, mlp_dim)
VARIANTS = {
    'mu': (64, 4, 4, 128),
    'XS': (128, 6, 4, 256),
    'Ti': (192, 12, 3, 768),
    'S': (384, 12, 6, 1536),
    'B': (768, 12, 12, 3072),
}


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = parse_arg(arg, variant='XS', patch=4, pool='cls', smoke=False)
    one_of('config argument variant', arg.variant, VARIANTS)
    width, depth, heads, mlp_dim = VARIANTS[arg.variant]
    config = defaults.image_classification('fashion_mnist')
    config.model = ml_collections.ConfigDict(
        dict(
            name='vit',
            kwargs=dict(
                patch=arg.patch,
                width=width,
                depth=depth,
                heads=heads,
                mlp_dim=mlp_dim,
                pool=arg.pool,
                dropout=0.0,
                attention_dropout=0.0,
                scan=True,
                remat='none',
            ),
        )
    )
    config.steps = '15ep'
    config.optim.lr = 1e-3
    if arg.smoke:
        config = defaults.smoke(config)
        config.model.kwargs.update(patch=4, width=16, depth=2, heads=2, mlp_dim=32)
    return config
