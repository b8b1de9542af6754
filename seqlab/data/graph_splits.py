"""Graph datasets as `Splits`: each graph padded to a node budget with its structure arrays.

config.data keys (besides the common ones):
  node_budget      N, nodes per padded graph (an error names the largest graph of the dataset if
                   it is too small); 0: the largest graph over every stored split
  max_path_length  L, edges kept along each shortest path (Graphormer's edge encoding)
  target           a graph-level number stored by the builder (e.g. 'logp'), a vector of binary
                   tasks (OGB's `labels`: 1, 0, NaN where not measured), or 'node_labels';
                   a table of molecules (`csv:`, `jsonl:`) regresses its `keys.target` column

Batch, besides `id` and `mask`: the arrays of `seqlab.data.graph.pad_graph` with a leading
[batch] axis (node_features, node_mask, adjacency, edge_type_matrix, degree, shortest_path,
path_edge_types) and
  graph target:  target float32 (y - mean) / std with mean, std of the train split only, and
                 target_scale float32 (= std, so metrics can be reported in data units)
  binary tasks:  label float32 [T], as stored (NaN = not measured)
  'node_labels': node_labels int32 [N] and node_label_mask bool [N] (the nodes this split scores)
info.extras: node_vocab_sizes (1 + the largest id in each feature column over every stored split,
so parameter shapes never depend on the chosen splits; 0 is padding), edge_vocab_size (likewise),
max_path_length, node_budget (N as padded), target, for graph targets target_mean and target_std,
for binary tasks num_tasks.
"""

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import ml_collections
import numpy as np
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import checks, files, graph, keys, record_scan, records
from seqlab.data.recipe import Recipe
from seqlab.data.scaler import Scaler
from seqlab.data.tfds_io import read_all, source

NODE_TARGET = 'node_labels'
NODE_TARGET_MASK = 'node_label_mask'
NOT_TARGETS = ('id', 'num_nodes')


def check(data_config: ml_collections.ConfigDict) -> None:
    checks.int_at_least(
        data_config,
        'node_budget',
        least=0,
        allowed='an int >= 1, or 0 for the largest graph of the dataset',
    )
    checks.int_at_least(data_config, 'max_path_length')
    target = data_config.get('target')
    if not isinstance(target, str) or not target:
        raise ConfigError(
            f"config.data.target={target!r} is not allowed; allowed: a target name such as 'logp' "
            f"or '{NODE_TARGET}'"
        )


def graph_targets(features: tfds.features.FeaturesDict) -> list[str]:
    """The builder's scalar numeric features that can be regression targets."""
    return [
        name
        for name, feature in features.items()
        if name not in NOT_TARGETS
        and not isinstance(feature, tfds.features.Text)
        and feature.shape == ()
        and np.issubdtype(feature.np_dtype, np.number)
    ]


def task_targets(features: tfds.features.FeaturesDict) -> list[str]:
    """The builder's float vectors of a fixed length: binary tasks (1, 0, NaN = missing)."""
    return [
        name
        for name, feature in features.items()
        if isinstance(feature, tfds.features.Tensor)
        and len(feature.shape) == 1
        and feature.shape[0]
        and np.issubdtype(feature.np_dtype, np.floating)
    ]


def check_target(target: str, features: tfds.features.FeaturesDict) -> None:
    allowed = graph_targets(features) + task_targets(features)
    allowed += [NODE_TARGET] if NODE_TARGET in features else []
    if target not in allowed:
        raise ConfigError(
            f'config.data.target={target!r} is not in this dataset; allowed: {", ".join(allowed)}'
        )


def vocab_sizes(records: Sequence[Mapping[str, Any]]) -> tuple[tuple[int, ...], int]:
    """(1 + largest id of each node feature column, 1 + largest edge type) over `records`."""
    node_max = np.max([np.max(r['node_features'], axis=0) for r in records], axis=0)
    edge_max = max((int(np.max(r['edge_types'], initial=0)) for r in records), default=0)
    return tuple(int(m) + 1 for m in node_max), edge_max + 1


def largest_graph(records: Sequence[Mapping[str, Any]]) -> int:
    """The most nodes of one graph among `records`."""
    return max(len(record['node_features']) for record in records)


def check_budget(node_budget: int, records: Sequence[Mapping[str, Any]], split: str) -> None:
    largest = largest_graph(records)
    if largest > node_budget:
        raise ConfigError(
            f'config.data.node_budget={node_budget} is smaller than the largest graph in split '
            f'{split!r} ({largest} nodes); allowed: an int >= {largest}, or 0 for the largest graph '
            'of the dataset'
        )


def check_graphs(records: Sequence[Mapping[str, Any]], node_budget: int, where: str) -> None:
    """`graph.check_graph` on every record, refusing the first bad one as `<where> record <i>`
    (`recipe` reads every stored record anyway, so this is the record scan of graphs)."""
    for index, record in enumerate(records):
        with record_scan.naming(where, index):
            graph.check_graph(record, node_budget)


def example(
    index: int,
    record: Mapping[str, Any],
    *,
    node_budget: int,
    max_path_length: int,
    target: str,
    scaler: Scaler | None,
) -> dict:
    """One stored graph -> the padded arrays of the batch layout (module docstring)."""
    stored = {
        key: np.asarray(value)
        for key, value in record.items()
        if key in graph.GRAPH_KEYS or key.startswith(graph.NODE_PREFIX)
    }
    padded = graph.pad_graph(stored, node_budget, max_path_length)
    if target == NODE_TARGET:
        padded[NODE_TARGET] = padded[NODE_TARGET].astype(np.int32)
        padded[NODE_TARGET_MASK] = padded[NODE_TARGET_MASK].astype(bool)
    elif scaler is None:  # binary tasks
        padded['label'] = np.asarray(record[target], np.float32)
    else:
        padded['target'] = scaler.transform(np.float64(record[target]))
        padded['target_scale'] = np.float32(scaler.std)
    padded['id'] = records.source_id(index, record)
    padded['mask'] = np.float32(1.0)
    return padded


def num_classes(records: Sequence[Mapping[str, Any]], target: str) -> int:
    """1 + the largest node label for node classification; 0 for a graph-level regression."""
    if target != NODE_TARGET:
        return 0
    return 1 + max(int(np.max(record[NODE_TARGET])) for record in records)


def recipe(
    builder: tfds.core.DatasetBuilder, data_config: ml_collections.ConfigDict, *, seed: int
) -> Recipe:
    """How the graph dataset `builder` is read (module docstring)."""
    del seed  # graphs are shuffled by the pipeline
    features = builder.info.features
    target = (
        keys.get(data_config)['target'] if files.kind_of(data_config.name) else data_config.target
    )
    check_target(target, features)
    train_source = source(builder, data_config, 'train_split')
    eval_source = source(builder, data_config, 'eval_split')
    stored = {name: read_all(builder.as_data_source(split=name)) for name in builder.info.splits}
    everything = [record for split_records in stored.values() for record in split_records]
    node_budget = data_config.node_budget or largest_graph(everything)
    for name, split_records in stored.items():
        check_budget(node_budget, split_records, name)
        check_graphs(split_records, node_budget, f'{data_config.name} {name}')
    node_vocab_sizes, edge_vocab_size = vocab_sizes(everything)
    extras = {
        'node_vocab_sizes': node_vocab_sizes,
        'edge_vocab_size': edge_vocab_size,
        'max_path_length': data_config.max_path_length,
        'node_budget': node_budget,
        'target': target,
    }
    scaler = None
    if target in task_targets(features):
        extras['num_tasks'] = features[target].shape[0]
    elif target != NODE_TARGET:
        train_records = stored.get(data_config.train_split) or read_all(train_source)
        scaler = Scaler.fit(np.array([record[target] for record in train_records]))
        extras.update(target_mean=float(scaler.mean), target_std=float(scaler.std))
    return Recipe(
        modality='graph',
        train=train_source,
        eval=eval_source,
        prepare=functools.partial(
            example,
            node_budget=node_budget,
            max_path_length=data_config.max_path_length,
            target=target,
            scaler=scaler,
        ),
        num_classes=num_classes(everything, target),
        input_shape=(node_budget, len(node_vocab_sizes)),
        extras=extras,
    )
