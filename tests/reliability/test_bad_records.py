"""A degenerate record inside a prepared dataset on disk is refused before training, through
`launch.py`: one line naming the dataset, split and record (`refused`: exit 2, nothing compiled,
the workdir untouched). Each case rewrites one record of a copy of a prepared dataset. A passed
scan is remembered per file identity, so a rewritten file is scanned again; a record changed
behind the memo's back is still refused when its batch is read.
"""

import json
import os

import pytest

from seqlab import data
from seqlab.data import audio_splits, builders, record_scan
from tests.reliability import records, runs
from tests.reliability.test_bad_inputs import refused


def empty_text(features: records.Features) -> None:
    features['text'].bytes_list.value[0] = b''


def no_nodes(features: records.Features) -> None:
    for key in ('node_features', 'edges', 'edge_types'):
        del features[key].int64_list.value[:]


CASES = {
    # name: (config, split, record, change, expected error line)
    'empty text': (
        'configs/text_cnn.py:smoke',
        'train',
        3,
        empty_text,
        'error: wordnet_supersense/tiny train record 3: text is empty (no tokens) and has no '
        'class to learn from; allowed: texts of at least one token',
    ),
    'graph without nodes': (
        'configs/graphormer.py:smoke',
        'train',
        5,
        no_nodes,
        'error: molecules/tiny train record 5: graph has no nodes; allowed: graphs of at least '
        'one node',
    ),
    'NaN clip in the eval split': (
        'configs/causal_cnn.py:smoke',
        'validation',
        7,
        records.set_float('audio', 11, float('nan')),
        'error: mnist1d validation record 7: clip contains NaN or inf samples; expected finite '
        'values',
    ),
    'NaN in a series': (
        'configs/forecast.py:smoke',
        'train',
        0,
        records.set_float('values', 10, float('nan')),
        'error: sunspots train record 0: series has 1 NaN or inf values; allowed: finite values '
        '(fill or drop the others first)',
    ),
}


@pytest.mark.parametrize('case', CASES)
def test_a_bad_record_on_disk_is_refused_before_training(tmp_path, case):
    spec, split, index, change, expected = CASES[case]
    prepared = records.prepared_copy(spec, tmp_path / 'data')
    records.rewrite(records.split_file(prepared, split), index, change)
    workdir = tmp_path / 'run'
    workdir.mkdir()
    (workdir / 'notes.txt').write_text('keep me')
    error = refused(spec, {}, workdir, env={'SEQLAB_DATA_DIR': str(tmp_path / 'data')})
    assert error == expected


CLIPS = 'configs/causal_cnn.py:smoke'  # MNIST-1D: float32 signals stored as 'audio'


def scan_train(data_dir: str, checked: list[int]) -> None:
    """The record scan of MNIST-1D's train split in `data_dir`, appending each checked index."""
    builder = builders.offline('mnist1d', data_dir)
    source = builder.as_data_source(split='train')
    rate = audio_splits.sample_rate_of(builder, 'audio')

    def check(record):
        checked.append(int(record['id']))
        audio_splits.clip_samples(record, audio_key='audio', sample_rate=rate)

    record_scan.scan_split(builder, 'train', source, check, dataset='mnist1d', check_id='clips')


def test_a_passed_scan_is_remembered_until_its_file_changes(tmp_path):
    prepared = records.prepared_copy(CLIPS, tmp_path / 'data')
    data_dir = str(tmp_path / 'data')
    checked = []
    scan_train(data_dir, checked)
    assert len(checked) == 3600 and os.path.isfile(os.path.join(prepared, 'record_scans.json'))
    checked.clear()
    scan_train(data_dir, checked)
    assert checked == []  # remembered: nothing read
    path = records.split_file(prepared, 'train')
    records.rewrite(path, 9, lambda features: None)  # the same bytes written again
    scan_train(data_dir, checked)
    assert len(checked) == 3600  # scanned again
    with open(os.path.join(prepared, 'record_scans.json')) as f:
        assert len(json.load(f)) == 1  # the older scan of the split replaced
    size = os.path.getsize(path)
    records.rewrite(path, 9, records.set_float('audio', 0, float('inf')))
    assert os.path.getsize(path) == size  # only the mtime tells the rewritten file apart
    with pytest.raises(ValueError, match=r'^mnist1d train record 9: clip contains NaN or inf'):
        scan_train(data_dir, checked)


def test_the_memo_goes_to_the_cache_when_the_data_dir_is_read_only(tmp_path, monkeypatch):
    prepared = records.prepared_copy(CLIPS, tmp_path / 'data')
    cache = tmp_path / 'cache'
    monkeypatch.setattr(record_scan, 'FALLBACK_MEMO_DIR', str(cache))
    monkeypatch.setattr(record_scan.os, 'access', lambda path, mode: path != prepared)
    checked = []
    scan_train(str(tmp_path / 'data'), checked)
    assert not os.path.exists(os.path.join(prepared, 'record_scans.json'))
    assert [memo.name for memo in cache.iterdir()] == [
        os.path.basename(record_scan.memo_path(prepared))
    ]
    checked.clear()
    scan_train(str(tmp_path / 'data'), checked)
    assert checked == []


def test_a_record_changed_behind_the_memo_is_refused_when_its_batch_is_read(tmp_path):
    """A rewrite that keeps the file's size and mtime passes the remembered scan; the record is
    still refused when its batch is read, naming the step (the loop's DataError)."""
    prepared = records.prepared_copy(CLIPS, tmp_path / 'data')
    config = runs.config_of(CLIPS, {})
    config.data.data_dir = str(tmp_path / 'data')
    first_id = int(next(iter(data.get(config.data, seed=config.seed).train))['id'][0])  # scans
    path = records.split_file(prepared, 'train')
    first = records.position(path, first_id)  # the record's position in the stored split
    stat = os.stat(path)
    records.rewrite(path, first, records.set_float('audio', 3, float('nan')))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert os.path.getsize(path) == stat.st_size
    run = runs.Launch(
        CLIPS, {'steps': 2}, tmp_path / 'run', env={'SEQLAB_DATA_DIR': str(tmp_path / 'data')}
    )
    assert run.wait() == 2, run.stderr[-3000:]
    assert run.stderr.strip().splitlines()[-1] == (
        f'error: step 1: reading its training batch failed: train record {first}: '
        'clip contains NaN or inf samples; expected finite values'
    )
