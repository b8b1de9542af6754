"""The values config files start from: every default a config does not set itself, in one place.

Config files (configs/*.py) are loaded by path, not imported as a package, so what they share lives
here, importable from any config, test or experiment, rather than in a configs/common.py that each
file would first have to find. The module sits on top of the library: it reads the optimizer's
defaults, the sharding rules and the data keys, and nothing in seqlab imports it (an import-linter
contract in pyproject.toml), because the library reads a run's config keys, never these values.

Sections, each function returning (or changing and returning) an `ml_collections.ConfigDict`:
  the run       `base` (the top-level keys), `smoke` (the tiny run the tests train)
  data          `vision_data`, `audio_data`, `text_data`, `graph_data`, `series_data`: every key
                the modality reads (seqlab/data/<modality>_splits.py, text_splits/)
  tasks         `classify_tokens`, `classify_waveforms`
  recipes       what several configs share: `image_classification` (+ its `_smoke`), `keywords`,
                `mnist1d`, `supersense` (+ `tiny_text_smoke`), `listops`, `forecasting` (+ its
                `_smoke`)
"""

from typing import Any

import ml_collections

from seqlab.data import keys, masking
from seqlab.data.builders import listops as listops_builder
from seqlab.data.builders import mnist1d as mnist1d_builder
from seqlab.train import init, optim, partition

LISTOPS_VOCAB = 32  # 5 special ids + 16 symbols ([, ], MIN, MAX, MED, SM, 0-9), rounded up

# ---------------------------------------------------------------------------------------- the run


def base() -> ml_collections.ConfigDict:
    """Top-level keys the train loop reads; each config adds `model`, `data` and `task`."""
    config = ml_collections.ConfigDict()
    config.seed = 0
    config.matmul_precision = 'default'  # default | high | highest: train/precision.py
    config.deterministic = True  # GPU: deterministic XLA ops, so resume is exact (runtime.py)
    config.init = init.default_config()  # trained weights a fresh run starts from: train/init.py
    config.steps = '10ep'  # total optimizer updates: steps ('5000') or epochs ('10ep')
    config.log_every = '50'  # cadences: steps, epochs ('1ep') or percent of the run ('10%')
    config.eval_every = '1ep'
    config.log_example_ids = False  # True: each step's example ids to <workdir>/example_ids.jsonl
    config.checkpoint = ml_collections.ConfigDict(
        dict(every='1ep', keep=3, best_metric='eval/accuracy', best_mode='max')
    )
    # Device mesh and sharding rules (seqlab/train/partition.py): -1 takes the remaining devices.
    config.mesh = ml_collections.ConfigDict(
        dict(data=-1, fsdp=1, tensor=1, rules=partition.DEFAULT_RULES, fsdp_min_size=2**14)
    )
    config.optim = optim.default_config()
    return config


def smoke(config: ml_collections.ConfigDict, **data: Any) -> ml_collections.ConfigDict:
    """The tiny run the tests train: 24 steps, logged every step, evaluated twice, checkpointed
    three times, 4 warm-up steps; `data` sets keys of config.data (a tiny dataset, small batches)."""
    config.update(steps='24', log_every='1', eval_every='12')
    config.checkpoint.every = '8'
    config.optim.warmup = '4'
    for key, value in data.items():
        config.data[key] = value
    return config


# ------------------------------------------------------------------------------------------ data


def _data(
    name: str, batch_size: int, eval_batch_size: int, **modality_keys: Any
) -> ml_collections.ConfigDict:
    """The keys every dataset reads, around the modality's own."""
    return ml_collections.ConfigDict(
        dict(
            name=name,
            batch_size=batch_size,
            eval_batch_size=eval_batch_size,  # splits over 1, 2, 4, 8, ... data × fsdp devices
            data_dir='',
            train_split='train',
            eval_split='validation',  # carved from train where the dataset has none
            test_split='test',  # evaluated once, at the end of the run (test/...)
            **modality_keys,
            keys=keys.default_config(),  # seqlab's names -> the dataset's columns / features
            modality='',  # '': the dataset's own (a table: the config's); or force one
            builder='',  # 'package.module:BuilderClass': a TFDS builder of your own
        )
    )


def vision_data(name: str = 'fashion_mnist', batch_size: int = 128) -> ml_collections.ConfigDict:
    """Images: no augmentation, their own size, splits cached in memory up to 1 GiB."""
    return _data(
        name,
        batch_size,
        512,
        augment='none',
        image_size=None,  # None: the images' own size; an int or (height, width) resizes
        cache='auto',  # splits in memory: 'auto' (up to 1 GiB), 'memory', 'none'
    )


def audio_data(
    name: str = 'spoken_keywords', batch_size: int = 64, length: int = 16_000
) -> ml_collections.ConfigDict:
    """Clips of `length` samples at 16 kHz, no noise mixed in (seqlab/data/audio_splits.py)."""
    return _data(
        name,
        batch_size,
        200,
        sample_rate=16_000,
        length=length,
        noise=(),
        snr_db=(0.0, 20.0),
        noise_eval=False,
    )


def text_data(
    name: str = 'wordnet_supersense',
    batch_size: int = 64,
    tokenizer: str = 'word',
    vocab_size: int = 16_000,
    max_length: int = 64,
    target_length: int | None = None,
    layout: str = 'classification',
) -> ml_collections.ConfigDict:
    """Texts tokenized to `max_length` ids (seqlab/data/text_splits/), read as `layout` (one of
    `text_splits.checks.LAYOUTS`); `target_length` (the seq2seq layout's) adds that key, the masked_lm
    layout `mask_rate`."""
    config = _data(
        name,
        batch_size,
        256,
        tokenizer=tokenizer,
        vocab_size=vocab_size,
        max_length=max_length,
        layout=layout,  # how the records become batches
    )
    if target_length is not None:
        config.target_length = target_length
    if layout == 'masked_lm':
        config.mask_rate = masking.MASK_RATE
    return config


def graph_data(
    name: str, batch_size: int, eval_batch_size: int, node_budget: int, target: str
) -> ml_collections.ConfigDict:
    """Graphs padded to `node_budget` nodes, shortest paths up to 5 edges, `target` predicted."""
    return _data(
        name, batch_size, eval_batch_size, node_budget=node_budget, max_path_length=5, target=target
    )


def series_data(name: str) -> ml_collections.ConfigDict:
    """Windows of 128 steps in batches of 32; evaluation forecasts 52 steps."""
    return _data(name, 32, 256, context=128, horizon=52)


# ----------------------------------------------------------------------------------------- tasks


def classify_tokens() -> ml_collections.ConfigDict:
    """The classification task on a text batch's `tokens`."""
    return ml_collections.ConfigDict(dict(name='classification', kwargs=dict(input_key='tokens')))


def classify_waveforms(sample_rate: Any) -> ml_collections.ConfigDict:
    """The audio classification task on the raw waveform; `sample_rate` is an int or a reference
    to config.data's."""
    return ml_collections.ConfigDict(
        dict(
            name='audio_classification',
            kwargs=dict(features='waveform', sample_rate=sample_rate),
        )
    )


# --------------------------------------------------------------------------------------- recipes


def image_classification(dataset: str = 'fashion_mnist') -> ml_collections.ConfigDict:
    """Base config + an image dataset (flip augmentation) + the classification task."""
    config = base()
    config.data = vision_data(dataset, batch_size=128)
    config.data.augment = 'flip'
    config.task = ml_collections.ConfigDict(
        dict(name='classification', kwargs=dict(label_smoothing=0.0))
    )
    config.optim.weight_decay = 0.05
    return config


def image_classification_smoke(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
    """`smoke` on sklearn digits (8x8) in batches of 32, evaluated in batches of 64."""
    config.data = vision_data('digits', batch_size=32)
    return smoke(config, eval_batch_size=64)


def keywords() -> ml_collections.ConfigDict:
    """Base config + spoken_keywords in batches of 32, white, pink or brown noise at 5-30 dB SNR."""
    config = base()
    config.data = audio_data('spoken_keywords', batch_size=32)
    config.data.noise = ('white', 'pink', 'brown')
    config.data.snr_db = (5.0, 30.0)
    return config


def mnist1d(log_every: str) -> ml_collections.ConfigDict:
    """Base config + MNIST-1D (signals of 40 samples at a nominal 40 Hz, batches of 64) classified
    as waveforms: 60 epochs, eval and checkpoint every 5, lr 3e-3, weight decay 1e-4."""
    config = base()
    config.data = audio_data('mnist1d', batch_size=64, length=mnist1d_builder.LENGTH)
    config.data.update(sample_rate=mnist1d_builder.SAMPLE_RATE, eval_batch_size=500)
    config.task = classify_waveforms(mnist1d_builder.SAMPLE_RATE)
    config.steps = '60ep'
    config.log_every = log_every
    config.eval_every = '5ep'
    config.checkpoint.update(every='5ep', best_metric='eval/accuracy', best_mode='max')
    config.optim.update(lr=3e-3, weight_decay=1e-4)
    return config


def supersense(tokenizer: str, vocab_size: int, max_length: int) -> ml_collections.ConfigDict:
    """Base config + WordNet glosses (batches of 64) classified into 45 supersenses."""
    config = base()
    config.data = text_data('wordnet_supersense', 64, tokenizer, vocab_size, max_length)
    config.task = classify_tokens()
    return config


def tiny_text_smoke(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
    """`smoke` on the `tiny` builder config of config.data.name: batches of 8 (eval 16), a
    vocabulary of 300 ids, 16 tokens per example."""
    return smoke(
        config,
        name=f'{config.data.name}/tiny',
        batch_size=8,
        eval_batch_size=16,
        vocab_size=300,
        max_length=16,
    )


def listops() -> ml_collections.ConfigDict:
    """Base config + ListOps (batches of 32, up to 256 word tokens) + classification of its tokens:
    600 updates at lr 1e-3, eval and checkpoint every 200."""
    config = base()
    config.data = text_data('listops', 32, 'word', LISTOPS_VOCAB, listops_builder.MAX_LENGTH)
    config.task = classify_tokens()
    config.steps = '600'
    config.log_every = '100'
    config.eval_every = '200'
    config.checkpoint.every = '200'
    config.optim.lr = 1e-3
    return config


def forecasting(
    dataset: str,
    backbone: str,
    backbone_kwargs: dict[str, Any],
    *,
    head: str,
    sampling: str,
    difference: bool,
    steps: int,
    every: int,
) -> ml_collections.ConfigDict:
    """Base config + `dataset` (`series_data`) + the `forecaster` with `backbone` + the forecasting
    task: `steps` updates (the scheduled sampling ramp spans them), eval and checkpoint every
    `every`, the best checkpoint by validation MAE."""
    config = base()
    config.data = series_data(dataset)
    config.model = ml_collections.ConfigDict(
        dict(
            name='forecaster',
            kwargs=dict(
                backbone=backbone,
                head=head,
                **backbone_kwargs,
                difference=difference,
                sampling=sampling,
                sampling_max=0.5,
                sampling_ramp=steps,
            ),
        )
    )
    config.task = ml_collections.ConfigDict(dict(name='forecasting', kwargs=dict()))
    config.steps = str(steps)
    config.log_every = '100'
    config.eval_every = str(every)
    config.checkpoint.update(every=str(every), best_metric='eval/mae', best_mode='min')
    config.optim.update(lr=1e-3, weight_decay=1e-4, clip_norm=1.0)
    return config


def forecasting_smoke(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
    """`smoke` on yearly sunspots (309 values), 4-step forecasts, 8 channels."""
    config.model.kwargs.update(channels=8, sampling_ramp=24)
    return smoke(config, name='sunspots', batch_size=16, horizon=4)
