"""TFDS catalogue builders prepared for real from files a test writes: TFDS's download manager
hands the builder a local folder instead of downloading, and the builder's own code reads it.

`serve(monkeypatch, folder)` makes every `download_and_extract` and `download` return `folder` (for
a dict of URLs, `folder` for each; a builder that streams an archive is served the archive file), records the URLs asked for, and lifts seqlab's check that TensorFlow and
the download host are there (`catalogue.preparable`): the served folder needs neither.
"""

import pathlib

import numpy as np
import pytest
import tensorflow_datasets as tfds

from seqlab import launcher
from seqlab.data import catalogue
from seqlab.train import loop
from tests.conftest import REPO

SHORT = {'steps': '3', 'log_every': '1', 'eval_every': '3', 'checkpoint.every': '3'}


def serve(monkeypatch: pytest.MonkeyPatch, folder: pathlib.Path) -> list:
    """Serves `folder` as every download; -> the list the requested URLs are appended to."""
    asked = []

    def download_and_extract(self, url_or_urls):
        asked.append(url_or_urls)
        if isinstance(url_or_urls, dict):
            return {key: folder for key in url_or_urls}
        return folder

    for method in ('download_and_extract', 'download'):  # `download`: builders that stream archives
        monkeypatch.setattr(tfds.download.DownloadManager, method, download_and_extract)
    monkeypatch.setattr(catalogue, 'preparable', lambda name, data_dir: None)
    return asked


def smoke_config(spec: str, tmp_path: pathlib.Path, **overrides: str):
    """`spec`'s config with a 3-step schedule, its data read from `tmp_path / 'cache'`."""
    return launcher.load_config(
        f'{REPO}/{spec}', {**SHORT, 'data.data_dir': str(tmp_path / 'cache'), **overrides}
    )


def prepared_files(tmp_path: pathlib.Path) -> list[pathlib.Path]:
    """The array_record files under the test's data dir (none before preparation)."""
    return list((tmp_path / 'cache').rglob('*.array_record*'))


def eval_texts(splits) -> list[tuple[tuple[int, ...], int]]:
    """The eval split's real examples as sorted (token ids, label) pairs."""
    return sorted(
        (tuple(tokens[mask]), int(label))
        for batch in splits.eval
        for tokens, mask, label, real in zip(
            batch['tokens'], batch['token_mask'], batch['label'], batch['mask'], strict=True
        )
        if real
    )


def assert_trains(config, tmp_path: pathlib.Path) -> None:
    """Three steps of `config` in <tmp_path>/run end with a finite loss and an accuracy."""
    metrics = loop.train_and_evaluate(config, str(tmp_path / 'run'))
    assert np.isfinite(metrics['eval/loss']) and 0.0 <= metrics['eval/accuracy'] <= 1.0
