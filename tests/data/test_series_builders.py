"""The co2, sunspots and elnino builders: real series, chronological splits with history."""

import numpy as np
import pytest
from statsmodels.datasets import co2, elnino

from seqlab.data.builders import elnino as elnino_builder
from seqlab.data.builders.co2 import Co2, fill_gaps
from seqlab.data.builders.elnino import Elnino
from seqlab.data.builders.sunspots import Sunspots
from seqlab.data.scaler import Scaler
from seqlab.data.series import SPLITS, make_windows

LENGTHS = {Co2: 2284, Sunspots: 309, Elnino: 732}


def build(builder_class, data_dir) -> dict[str, dict]:
    builder = builder_class(data_dir=str(data_dir), file_format='array_record')
    builder.download_and_prepare()
    sources = builder.as_data_source()
    assert {name: len(sources[name]) for name in SPLITS} == dict.fromkeys(SPLITS, 1)
    return {name: sources[name][0] for name in SPLITS}


@pytest.mark.parametrize('builder_class', list(LENGTHS))
def test_splits_are_chronological_with_disjoint_targets(builder_class, tmp_path):
    splits = build(builder_class, tmp_path)
    whole = splits['test']
    assert len(whole['values']) == LENGTHS[builder_class]
    assert np.all(np.diff(whole['year']) > 0)
    assert not np.isnan(whole['values']).any()
    covered = []
    for index, name in enumerate(SPLITS):
        split = splits[name]
        assert split['id'] == index
        stop = len(split['values'])
        np.testing.assert_array_equal(split['values'], whole['values'][:stop])  # history kept
        covered.append(np.arange(split['first_target'], stop))
    np.testing.assert_array_equal(np.concatenate(covered), np.arange(len(whole['values'])))
    # Windows of the test split forecast test steps only, and the scaler is fitted on train.
    scaler = Scaler.fit(splits['train']['values'])
    windows = make_windows(
        scaler.transform(whole['values']), 8, 4, first_target=whole['first_target']
    )
    assert windows['target_index'].min() == splits['validation']['values'].size


def test_co2_gaps_are_interpolated_and_flagged(tmp_path):
    whole = build(Co2, tmp_path)['test']
    raw = co2.load_pandas().data['co2'].to_numpy()
    missing = np.isnan(raw)
    assert missing.sum() == 59
    np.testing.assert_array_equal(whole['observed'], ~missing)
    np.testing.assert_allclose(whole['values'][~missing], raw[~missing], rtol=1e-6)
    single = np.flatnonzero(missing[1:-1] & ~missing[:-2] & ~missing[2:]) + 1  # one-week gaps
    assert len(single) > 10
    neighbours = (raw[single - 1] + raw[single + 1]) / 2
    np.testing.assert_allclose(whole['values'][single], neighbours, rtol=1e-6)
    assert whole['year'][0] == pytest.approx(1958 + 87 / 365, abs=1e-4)  # 1958-03-29


def test_fill_gaps_by_hand():
    filled, observed = fill_gaps(np.array([1.0, np.nan, np.nan, 4.0, 5.0]))
    np.testing.assert_allclose(filled, [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(observed, [True, False, False, True, True])
    with pytest.raises(ValueError, match='start or end'):
        fill_gaps(np.array([np.nan, 1.0]))


def test_elnino_reads_the_table_row_by_row():
    table = elnino.load_pandas().data
    loaded = elnino_builder.load()
    np.testing.assert_allclose(loaded['values'][12 * 3 + 5], table['JUN'].iloc[3])
    assert loaded['year'][12 * 3 + 5] == pytest.approx(1953 + 5 / 12, abs=1e-4)
