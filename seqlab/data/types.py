"""What `data.get` returns: the splits of a dataset and what models and tasks need to know of it;
and the error a per-record check raises for a record it refuses."""

import dataclasses

import grain


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What a model and task need to know about a dataset."""

    name: str  # e.g. 'fashion_mnist' or 'tfds:mnist'
    modality: str  # 'vision', 'text', 'audio', 'graph' or 'series'
    num_train: int  # examples in the train split (before per-process sharding)
    num_eval: int  # examples in the eval split
    num_classes: int  # 0 if not a classification dataset
    input_shape: tuple  # shape of one model input, e.g. (28, 28, 1)
    extras: dict  # modality extras (class_names, vocab, sample_rate, ...)
    # Files a trained model needs again (a tokenizer): name -> source path. The train loop copies
    # each to <workdir>/assets/<name>, so generation reads the copy saved with the checkpoints.
    assets: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Splits:
    """`train`: endless, reshuffled each epoch, full batches. `eval`: one ordered pass, the last
    batch padded (`mask` 0). Both give checkpointable iterators (`get_state` / `set_state`)."""

    train: grain.MapDataset
    eval: grain.MapDataset
    info: DatasetInfo


class BadRecordError(ValueError):
    """A record of a dataset refused by a per-record check (an empty text, a graph with no nodes, a
    NaN clip or series): bad data, not a bug. One line, `<split> record <i>: <what is wrong>` once
    `record_scan.naming` has named it. Refused before training, it is bad input (exit 2); refused
    while a training batch is read, the train loop reports it as a `DataError` naming the step."""
