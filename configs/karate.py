"""Graphormer node classification on Zachary's karate club: which club each member joins.

Transductive: the whole 34-member graph is one example; 8 members (4 per club, both leaders among
them) are labelled for training, 8 for validation, 18 for test (`seqlab/data/builders/karate.py`).
Node features are member ids, so structure reaches the model through the degree, distance and
edge-weight encodings and the learned id embeddings.

python launch.py --config=configs/karate.py                 # evaluates on 8 validation members
python experiments/graph_vs_peer.py --train --runs karate_seed0  # best on validation, then test
python launch.py --config=configs/karate.py:smoke
"""

import ml_collections

from seqlab import config_defaults
from seqlab.config import parse_arg


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    arg = parse_arg(arg, smoke=False)
    config = config_defaults.base()
    config.data = config_defaults.graph_data(
        'karate', batch_size=1, eval_batch_size=1, node_budget=34, target='node_labels'
    )
    config.model = ml_collections.ConfigDict(
        dict(
            name='graphormer',
            kwargs=dict(
                width=32,
                depth=2,
                heads=4,
                mlp_dim=64,
                max_degree=20,
                max_distance=5,
                locality_prior=2.0,
                edge_encoding='path',
                dropout=0.1,
                attention_dropout=0.1,
                scan=True,
                remat='none',
                dtype='float32',
            ),
        )
    )
    config.task = ml_collections.ConfigDict(dict(name='node_classification', kwargs=dict()))
    config.steps = '200'
    config.log_every = '20'
    config.eval_every = '50'
    config.checkpoint.update(every='50', best_metric='eval/accuracy', best_mode='max')
    config.optim.update(lr=3e-3, warmup='10', weight_decay=1e-2)
    if arg.smoke:
        config_defaults.smoke(config)
        config.model.kwargs.update(width=16, heads=2, mlp_dim=32)
    return config
