"""A dataset's `Splits` from what its modality makes of it: the pipeline every modality shares.

A modality's `recipe(builder, config.data, seed=...)` opens the dataset, decides how its records
become batch elements and what models need to know of it, and says so in a `Recipe`; `assemble`
turns the recipe into the training and eval pipelines (seqlab/data/pipeline.py) and the
`DatasetInfo`.
"""

import dataclasses
from collections.abc import Sequence

import ml_collections

from seqlab.data import pipeline
from seqlab.data.types import DatasetInfo, Splits


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How one dataset is read.

    `train` / `eval`: random-access sources of the two splits' records (or of windows, rows made
    from them); `prepare(index, record)` makes an element of either, `eval_prepare` those of eval
    where they differ (fixed masking, centred crops, errors naming the eval split); `augment`
    randomises training elements (or batches: `pipeline.BatchAugment`); `finalize(batch)`
    converts each stacked batch; `cache_choice` may hold a split in memory
    (seqlab/data/cache.py); `numbered` adds each batch's index as `step`
    (`pipeline.NumberedBatches`). The rest are the `DatasetInfo` fields of the same names.
    """

    modality: str
    train: Sequence
    eval: Sequence
    prepare: pipeline.Prepare
    input_shape: tuple
    eval_prepare: pipeline.Prepare | None = None
    augment: pipeline.Augment | pipeline.BatchAugment | None = None
    finalize: pipeline.Finalize | None = None
    cache_choice: str = 'none'
    numbered: bool = False
    num_classes: int = 0
    extras: dict = dataclasses.field(default_factory=dict)
    assets: dict[str, str] = dataclasses.field(default_factory=dict)


def assemble(
    recipe: Recipe,
    data_config: ml_collections.ConfigDict,
    *,
    seed: int,
    process_index: int = 0,
    process_count: int = 1,
) -> Splits:
    """The recipe's training batches (`config.data.batch_size` a global batch, reshuffled each
    epoch by `seed`), eval batches (`eval_batch_size`, one ordered pass) and info; each process
    gets its block of every global batch (`pipeline.HostBatches`)."""
    common = {
        'process_index': process_index,
        'process_count': process_count,
        'finalize': recipe.finalize,
        'cache_choice': recipe.cache_choice,
    }
    train = pipeline.train_batches(
        recipe.train,
        prepare=recipe.prepare,
        augment=recipe.augment,
        seed=seed,
        global_batch=data_config.batch_size,
        **common,
    )
    eval_ = pipeline.eval_batches(
        recipe.eval,
        prepare=recipe.eval_prepare or recipe.prepare,
        global_batch=data_config.eval_batch_size,
        **common,
    )
    info = DatasetInfo(
        name=data_config.name,
        modality=recipe.modality,
        num_train=len(recipe.train),
        num_eval=len(recipe.eval),
        num_classes=recipe.num_classes,
        input_shape=recipe.input_shape,
        extras=recipe.extras,
        assets=recipe.assets,
    )
    if recipe.numbered:
        train, eval_ = pipeline.NumberedBatches(train), pipeline.NumberedBatches(eval_)
    return Splits(train=train, eval=eval_, info=info)
