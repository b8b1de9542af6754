"""TFDS catalogue datasets, `config.data.name='tfds:<name>'`, read as the config's modality through
the splits modules that read the built-in datasets.

Before anything is downloaded, the dataset's features are matched against what the config reads
(seqlab/data/feature_match.py): `config.data.keys` names the features, and a dataset the config
cannot read is one line naming its features and the keys to set. So is, for vision, an image of
variable size without `config.data.image_size`, and for graphs a dataset in neither OGB's layout
nor seqlab's. Then it is prepared (TensorFlow and the network needed: without either, one line
within seconds) and read under seqlab's names:
  text, vision   the features renamed as they are read (`views.renamed`)
  audio          likewise when its clips are at `config.data.sample_rate` as int16 or float;
                 else a copy at that rate, prepared once (seqlab/data/resampled.py)
  graph          OGB's layout converted as it is read (seqlab/data/ogb.py); seqlab's as it is
"""

import functools
import importlib.util
import socket

import ml_collections
import tensorflow_datasets as tfds

from seqlab.config import ConfigError
from seqlab.data import builders, feature_match, graph, modality, ogb, resampled, views, vision

PREFIX = 'tfds:'
DOWNLOAD_HOST = 'storage.googleapis.com'  # TFDS tries its GCS mirror first
PROBE_SECONDS = 5


def made(name: str, data_dir: str) -> tfds.core.DatasetBuilder:
    """The catalogue builder `name` in `data_dir` (not prepared); a config or version of it that
    TFDS does not know is a one-line ConfigError, and so is a builder whose features need
    TensorFlow to be constructed (Audio) where it is not installed."""
    try:
        return tfds.builder(name, data_dir=data_dir, file_format=builders.FILE_FORMAT)
    except (ValueError, AssertionError) as error:  # TFDS: unknown config; unknown version
        lines = str(error).strip().splitlines() or [type(error).__name__]
        raise ConfigError(f'config.data.name={PREFIX}{name}: {lines[0]}') from None
    except ImportError:
        preparable(name, data_dir)
        raise


def prepared(data_config: ml_collections.ConfigDict, data_dir: str) -> tfds.core.DatasetBuilder:
    """The catalogue dataset `config.data.name` in `data_dir`, checked against the config, prepared
    (downloaded) if it is not yet, and read under seqlab's names (module docstring)."""
    name = data_config.name.removeprefix(PREFIX)
    make = functools.partial(made, name, data_dir)
    builder = make()
    names = matched(builder.info.features, data_config)
    if not builders.is_prepared(builder):
        preparable(name, data_dir)
    return read_as_seqlab(builders.prepared(make, name, data_dir), data_config, data_dir, names)


def matched(
    features: tfds.features.FeaturesDict, data_config: ml_collections.ConfigDict
) -> dict[str, str]:
    """seqlab name -> the dataset's feature, for what the config reads; a one-line ConfigError for
    a dataset it cannot read (module docstring)."""
    read_as = modality.of_config(data_config)
    if read_as == 'graph':
        check_graphs(features, data_config.name)
        return {}
    names = feature_match.match(features, read_as, data_config)
    if read_as == 'vision':
        size = vision.image_size(data_config.get('image_size'))
        vision.image_feature({names['image']: features[names['image']]}, resized=bool(size))
    if read_as == 'audio' and not resampled.rate_of(features[names['audio']]):
        raise ConfigError(
            f'config.data.name={data_config.name!r}: its clips ({names["audio"]!r}) declare no '
            'sample rate; allowed: an Audio feature with a sample_rate'
        )
    return names


def check_graphs(features: tfds.features.FeaturesDict, name: str) -> None:
    """A one-line ConfigError unless `features` are graphs in OGB's layout or seqlab's."""
    if ogb.is_layout(features) or set(graph.GRAPH_KEYS) <= set(features):
        return
    fits = ' or '.join(feature_match.fitting(features))
    raise ConfigError(
        f"config.data.name={name!r} read as graph: it has neither OGB's graph features "
        f"({', '.join(ogb.LAYOUT)}) nor seqlab's ({', '.join(graph.GRAPH_KEYS)}); its features: "
        f'{feature_match.listing(features)}; allowed: '
        + (f'a {fits} config (its features fit)' if fits else 'a graph dataset')
    )


def read_as_seqlab(
    builder: tfds.core.DatasetBuilder,
    data_config: ml_collections.ConfigDict,
    data_dir: str,
    names: dict[str, str],
) -> tfds.core.DatasetBuilder:
    """The prepared `builder` as the splits modules read it (module docstring)."""
    if ogb.is_layout(builder.info.features) and modality.of_config(data_config) == 'graph':
        return ogb.view(builder)
    seqlab_named = views.renamed(builder, names)
    if 'audio' in names and not resampled.read_as_is(
        seqlab_named.info.features['audio'], data_config.sample_rate
    ):
        return resampled.prepared(seqlab_named, data_config, data_dir)
    return seqlab_named


def preparable(name: str, data_dir: str) -> None:
    """A one-line ConfigError unless catalogue dataset `name` can be prepared here: TensorFlow
    installed and the download host reachable (TFDS would retry for minutes)."""
    if importlib.util.find_spec('tensorflow') is None:
        raise ConfigError(
            f'config.data.name={PREFIX}{name} is not prepared in {data_dir}, and preparing a TFDS '
            'catalogue dataset needs TensorFlow, which the core requirements leave out; allowed: '
            f'pip install -r requirements-tfds.txt, or {builders.WHERE_ELSE} a directory where it '
            'is prepared'
        )
    try:
        socket.create_connection((DOWNLOAD_HOST, 443), timeout=PROBE_SECONDS).close()
    except OSError as error:
        raise ConfigError(
            f'config.data.name={PREFIX}{name} is not prepared in {data_dir}, and {DOWNLOAD_HOST} '
            f'cannot be reached to download it ({error}); allowed: prepare it once online, put '
            f'the files its TFDS page asks for in {data_dir}/downloads/manual, or '
            f'{builders.WHERE_ELSE} a directory where it is prepared'
        ) from None
