"""Series datasets as `Splits`: forecasting windows over values standardised with train statistics.

config.data keys (besides the common ones):
  context  T, steps a window shows the model
  horizon  H, steps an eval window forecasts; training windows forecast 1 step (the model learns
           x_{t+1} at every step of the window, so the next value is all a training window adds)

A stored split holds the series from step 0 up to the split's end and `first_target`
(`seqlab.data.series`): windows forecast steps of their own split and may take their context from
before it. Values are standardised, z = (x - mean) / std, with mean and std of the stored train
split alone (`Scaler.fit`), so nothing of the evaluated steps shapes the scaling.

Batch, besides `id` and `mask`:
  context          float32 [T]  standardised x_{t-T} .. x_{t-1}
  target           float32 [H]  standardised x_t .. x_{t+H-1}   ([1] in training)
  target_observed  bool    [H]  False where the builder filled a gap (metrics skip those)
  target_index     int64        t, the series step of target[0]
  scale            float32      std, so metrics can be reported in data units
  step             int32        the batch's index in its stream: the train step that uses it
info.extras: mean, std, context, horizon, first_target and length (of the eval split's series).
"""

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import ml_collections
import numpy as np
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import checks, record_scan, series
from seqlab.data.recipe import Recipe
from seqlab.data.scaler import Scaler
from seqlab.data.tfds_io import source

TRAIN_HORIZON = 1


def check(data_config: ml_collections.ConfigDict) -> None:
    checks.int_at_least(data_config, 'context', 2)
    checks.int_at_least(data_config, 'horizon')


class Windows(Sequence):
    """The windows of one split as a random-access source (see `series.make_windows`)."""

    def __init__(self, windows: Mapping[str, np.ndarray]):
        self._windows = windows

    def __len__(self) -> int:
        return len(self._windows['target_index'])

    def __getitem__(self, index: int) -> dict:
        return {key: value[index] for key, value in self._windows.items()}

    def __getitems__(self, indices: Sequence[int]) -> list[dict]:
        return [self[index] for index in indices]


def check_windows_fit(
    length: int, first_target: int, context: int, horizon: int, where: str
) -> None:
    """A ConfigError unless a series of `length` steps holds a window of `context` steps whose
    `horizon` targets start at or after `first_target` (`series.make_windows` needs one)."""
    if length < context:
        raise ConfigError(
            f'{where}: series of length {length} is shorter than the context {context}; '
            f'allowed: config.data.context <= {length}'
        )
    if max(first_target, context) + horizon > length:
        raise ConfigError(
            f'{where}: no window of context {context} and horizon {horizon} fits the series '
            f'({length} steps, forecasting from step {first_target}); allowed: '
            f'config.data.context and .horizon with max(context, {first_target}) + horizon <= '
            f'{length}'
        )


def split_windows(
    record: Mapping[str, Any], scaler: Scaler, context: int, horizon: int, where: str
) -> dict[str, np.ndarray]:
    """Standardised windows of a stored split (its record 0, the only one); a context or horizon
    the series cannot hold raises a ConfigError, a bad series one line `<where> record 0: ...`
    (a BadRecordError; read whole here: the record scan of series)."""
    first_target = int(record['first_target'])
    check_windows_fit(len(record['values']), first_target, context, horizon, where)
    with record_scan.naming(where, 0):
        return series.make_windows(
            scaler.transform(record['values']),
            context,
            horizon,
            first_target=first_target,
            observed=np.asarray(record['observed'], bool),
        )


def fit_scaler(record: Mapping[str, Any], where: str) -> Scaler:
    with record_scan.naming(where, 0):
        return Scaler.fit(record['values'])


def example(index: int, window: Mapping[str, np.ndarray], *, scale: float) -> dict:
    return {
        'context': window['context'],
        'target': window['target'],
        'target_observed': window['target_observed'],
        'target_index': np.int64(window['target_index']),
        'scale': np.float32(scale),
        'id': np.int64(index),
        'mask': np.float32(1.0),
    }


def recipe(
    builder: tfds.core.DatasetBuilder, data_config: ml_collections.ConfigDict, *, seed: int
) -> Recipe:
    """How the series dataset `builder` is read (module docstring)."""
    del seed  # windows are shuffled by the pipeline
    train_record = source(builder, data_config, 'train_split')[0]
    eval_record = source(builder, data_config, 'eval_split')[0]
    name = data_config.name
    scaler = fit_scaler(train_record, f'{name} {data_config.train_split}')
    context, horizon = data_config.context, data_config.horizon
    train_windows = Windows(
        split_windows(
            train_record, scaler, context, TRAIN_HORIZON, f'{name} {data_config.train_split}'
        )
    )
    eval_windows = Windows(
        split_windows(eval_record, scaler, context, horizon, f'{name} {data_config.eval_split}')
    )
    return Recipe(
        modality='series',
        train=train_windows,
        eval=eval_windows,
        prepare=functools.partial(example, scale=float(scaler.std)),
        numbered=True,
        input_shape=(context,),
        extras={
            'mean': float(scaler.mean),
            'std': float(scaler.std),
            'context': context,
            'horizon': horizon,
            'first_target': int(eval_record['first_target']),
            'length': len(eval_record['values']),
        },
    )
