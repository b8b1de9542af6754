"""The TFDS builder every file source prepares through, and the `sources.tsv` it writes.

A `Plan` says what a source prepares into: its features, the ids of each split and, for every id,
where the example came from (a relative path or a row number) and how to read it. `FileBuilder`
stores the plan's examples as array_record like the offline builders, under
`<data_dir>/<kind>/<config_name>/1.0.0/`; `config_name` carries a digest of the source's contents
and options, so an edited source is a new dataset. Next to the records it writes `sources.tsv`
(`id<TAB>split<TAB>source` per example), which joins predictions back to the files.
"""

import dataclasses
import pathlib
from collections.abc import Callable

import tensorflow_datasets as tfds

SOURCES_FILE = 'sources.tsv'


@dataclasses.dataclass(frozen=True)
class Plan:
    """`splits`: split -> ids; `sources`: id -> where it came from; `example(id)`: the stored
    example (a dict matching `features`, `id` included); `sample_rate`: of stored clips."""

    kind: str
    config_name: str
    description: str
    features: tfds.features.FeaturesDict
    splits: dict[str, list[int]]
    sources: dict[int, str]
    example: Callable[[int], dict]
    sample_rate: int | None = None


class Sources(tfds.core.Metadata):
    """The (id, split, source) rows of a prepared file source, saved as `sources.tsv`."""

    def __init__(self, rows: list[tuple[int, str, str]] | None = None):
        super().__init__()
        self.rows = rows or []

    def save_metadata(self, data_dir) -> None:
        lines = (f'{i}\t{split}\t{source}\n' for i, split, source in self.rows)
        (pathlib.Path(data_dir) / SOURCES_FILE).write_text(''.join(lines), encoding='utf-8')

    def load_metadata(self, data_dir) -> None:
        text = (pathlib.Path(data_dir) / SOURCES_FILE).read_text(encoding='utf-8')
        self.rows = [
            (int(i), split, source)
            for i, split, source in (line.split('\t', 2) for line in text.splitlines())
        ]


class FileBuilder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """The examples of a `Plan`, one split per planned split."""

    VERSION = tfds.core.Version('1.0.0')
    RELEASE_NOTES = {'1.0.0': 'Files read into array_record, with an `id` per example.'}

    def __init__(self, *, plan: Plan, **kwargs):
        self.name = plan.kind
        self.SAMPLE_RATE = plan.sample_rate  # read by audio_splits.sample_rate_of
        self._plan = plan
        config = tfds.core.BuilderConfig(name=plan.config_name, description=plan.description)
        super().__init__(config=config, **kwargs)

    def _create_builder_config(self, builder_config, version):
        """The plan's own config (TFDS would warn that it is not one of BUILDER_CONFIGS)."""
        del version
        return builder_config

    def _info(self) -> tfds.core.DatasetInfo:
        rows = [
            (i, split, self._plan.sources[i])
            for split, ids in self._plan.splits.items()
            for i in ids
        ]
        return tfds.core.DatasetInfo(
            builder=self,
            description=self._plan.description,
            features=self._plan.features,
            metadata=Sources(sorted(rows)),
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # The files are local.
        return {split: self._generate_examples(ids) for split, ids in self._plan.splits.items()}

    def _generate_examples(self, ids: list[int]):
        for i in ids:
            yield i, self._plan.example(i)
