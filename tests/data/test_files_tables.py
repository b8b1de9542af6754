"""`csv:` and `jsonl:` tables read as text, series and molecules: rows and ids kept, columns picked
by `config.data.keys`, split files or a stable carve, and bad cells refused in one line."""

import csv
import json
import os
import pathlib

import numpy as np
import pytest

from seqlab import config_defaults, data, launcher
from seqlab.config import ConfigError
from seqlab.data import holdout
from tests.conftest import REPO

TOPICS = {'sport': ('goal', 'match', 'team'), 'food': ('bread', 'soup', 'salt')}


def news(count: int) -> list[dict]:
    """Rows of a small topic table: 'text' and 'topic'."""
    topic = ['sport', 'food']
    return [
        {'text': f'the {TOPICS[topic[i % 2]][i % 3]} of day {i}', 'topic': topic[i % 2]}
        for i in range(count)
    ]


def write_csv(path: pathlib.Path, rows: list[dict]) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open('w', newline='') as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_jsonl(path: pathlib.Path, rows: list[dict]) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(json.dumps(row) + '\n' for row in rows))
    return path


def text_config(name: str, tmp_path: pathlib.Path, **keys):
    config = config_defaults.text_data(name, 4, 'word', 100, 8)
    config.update(data_dir=str(tmp_path / 'cache'), eval_batch_size=8)
    config['keys'].update(keys)
    return config


def stored(splits_info_assets: dict) -> dict[int, tuple[str, str]]:
    lines = pathlib.Path(splits_info_assets['sources.tsv']).read_text().splitlines()
    return {int(i): (split, source) for i, split, source in (line.split('\t') for line in lines)}


def records_by_id(name: str, config) -> dict[int, dict]:
    """Every stored record of the prepared table, by id."""
    builder = data._builder(config)
    return {
        int(record['id']): record
        for split in builder.info.splits
        for record in builder.as_data_source(split=split)
    }


def test_a_csv_row_keeps_its_text_label_and_row_number_and_the_carve_is_by_row(tmp_path):
    rows = news(60)
    path = write_csv(tmp_path / 'news.csv', rows)
    config = text_config(f'csv:{path}', tmp_path, label='topic')
    splits = data.get(config, seed=0)
    assert splits.info.extras['class_names'] == ('food', 'sport')
    sources = stored(splits.info.assets)
    assert sorted(sources) == list(range(60))
    for i, record in records_by_id(config.name, config).items():
        assert record['text'].decode() == rows[i]['text']
        assert splits.info.extras['class_names'][record['label']] == rows[i]['topic']
        assert sources[i] == (holdout.carved_split(str(i)), f'news.csv:{i}')
    eval_ids = {
        int(i)
        for batch in splits.eval
        for i, m in zip(batch['id'], batch['mask'], strict=True)
        if m
    }
    assert eval_ids == {i for i, (split, _) in sources.items() if split == 'validation'}


def test_jsonl_split_files_are_kept_and_the_missing_test_split_is_carved_from_train(tmp_path):
    rows = news(50)
    write_jsonl(tmp_path / 'news' / 'train.jsonl', rows[:40])
    write_jsonl(tmp_path / 'news' / 'validation.jsonl', rows[40:])
    config = text_config(f'jsonl:{tmp_path / "news"}', tmp_path, label='topic')
    sources = stored(data.get(config, seed=0).info.assets)
    assert {source for split, source in sources.values() if split == 'validation'} == {
        f'validation.jsonl:{row}' for row in range(10)
    }
    train_rows = [
        (i, split) for i, (split, source) in sources.items() if source.startswith('train')
    ]
    assert len(train_rows) == 40 and {split for _, split in train_rows} == {'train', 'test'}
    assert all(split == holdout.carved_split(str(i), ('test',)) for i, split in train_rows)


def series_config(path: pathlib.Path, tmp_path: pathlib.Path):
    """The data config of a small forecasting run on the table `path`, cached under tmp_path."""
    config = config_defaults.forecasting(
        f'csv:{path}',
        'conv',
        {},
        head='shifted',
        sampling='teacher_forcing',
        difference=False,
        steps=10,
        every=5,
    ).data
    config.data_dir = str(tmp_path / 'cache')
    return config


def test_a_series_column_with_dates_and_a_gap_is_split_chronologically(tmp_path):
    values = [str(10 + (i % 7)) for i in range(80)]
    values[30] = ''
    rows = [{'when': f'2020-01-{1 + i % 28:02d}', 'sales': v} for i, v in enumerate(values)]
    config = series_config(write_csv(tmp_path / 'sales.csv', rows), tmp_path)
    config.update(context=8, horizon=2)
    config['keys'].update(value='sales', time='when')
    test = records_by_id(config.name, config)[2]
    assert len(test['values']) == 80 and test['first_target'] == 68
    assert not test['observed'][30] and test['values'][30] == pytest.approx(12.0)
    np.testing.assert_allclose(test['values'][:30], [float(v) for v in values[:30]])
    assert stored(data.get(config, seed=0).info.assets)[2] == ('test', 'sales.csv:68-79')


def graph_config(name: str, tmp_path: pathlib.Path):
    config = launcher.load_config(os.path.join(REPO, 'configs/graphormer.py:smoke'), {}).data
    config.update(name=name, data_dir=str(tmp_path / 'cache'))
    return config


def test_a_smiles_table_becomes_molecules_split_by_scaffold_regressing_its_target(tmp_path):
    rings = ['c1ccccc1', 'C1CCCCC1', 'c1ccncc1', 'C1CCOC1', 'c1ccsc1']
    rings += ['C1CCC1', 'c1ccoc1', 'C1CCNCC1', 'c1ccc2ccccc2c1', 'C1CCCCCC1']
    rows = [
        {'smiles': f'{rings[i % 10]}{"C" * (1 + i // 10)}O', 'target': i / 10} for i in range(40)
    ]
    path = write_csv(tmp_path / 'mols.csv', rows)
    splits = data.get(graph_config(f'csv:{path}', tmp_path), seed=0)
    assert splits.info.extras['target'] == 'target'
    records = records_by_id(path.name, graph_config(f'csv:{path}', tmp_path))
    assert records[7]['target'] == pytest.approx(0.7) and records[7]['num_nodes'] == 6 + 1 + 1
    by_split = {}
    for i, (split, _) in stored(splits.info.assets).items():
        by_split.setdefault(split, set()).add(i % 10)  # the ring: the scaffold
    assert all(by_split[a].isdisjoint(by_split[b]) for a in by_split for b in by_split if a != b)


@pytest.mark.parametrize(
    ('case', 'message'),
    [
        (
            'no column',
            r"news.csv:0 has no column 'category' \(config.data.keys.label\); allowed: "
            r"config.data.keys.label set to one of 'text', 'topic'",
        ),
        (
            'not a number',
            r"sales.csv:3 has 'n/a' in column 'value' \(config.data.keys.value\); "
            'allowed: numbers',
        ),
        (
            'classification without labels',
            r"news.csv' has no column 'label' \(config.data.keys.label\), and "
            r"config.data.layout='classification' needs its labels; allowed: "
            r"config.data.keys.label set to one of 'text', 'topic', or config.data.layout=",
        ),
        ('bad smiles', r"mols.csv:2 has SMILES 'C1CC\(' \(unparsable\); allowed: molecules RDKit"),
        ('bad json', r'line 2 of .*news.jsonl is not a JSON object'),
        (
            'no modality',
            r'cannot tell which modality this config reads it as \(its data keys fit none\); '
            'allowed: config.data.modality set to one of vision, text, audio, graph, series',
        ),
    ],
)
def test_bad_tables_are_one_line_and_cache_nothing(tmp_path, case, message):
    if case == 'no column':
        path = write_csv(tmp_path / 'news.csv', news(30))
        config = text_config(f'csv:{path}', tmp_path, label='category')
    if case == 'classification without labels':
        config = text_config(f'csv:{write_csv(tmp_path / "news.csv", news(30))}', tmp_path)
    if case == 'not a number':
        rows = [{'value': str(i)} for i in range(40)]
        rows[3]['value'] = 'n/a'
        config = series_config(write_csv(tmp_path / 'sales.csv', rows), tmp_path)
    if case == 'bad smiles':
        rows = [{'smiles': 'CCO', 'target': 1.0}] * 10
        rows[2] = {'smiles': 'C1CC(', 'target': 1.0}
        config = graph_config(f'csv:{write_csv(tmp_path / "mols.csv", rows)}', tmp_path)
    if case == 'bad json':
        path = write_jsonl(tmp_path / 'news.jsonl', news(3))
        path.write_text(path.read_text().replace('"food"', 'food'))
        config = text_config(f'jsonl:{path}', tmp_path)
    if case == 'no modality':
        config = text_config(f'csv:{write_csv(tmp_path / "news.csv", news(30))}', tmp_path)
        del config['tokenizer']
    with pytest.raises(ConfigError, match=message) as error:
        data.get(config, seed=0)
    assert '\n' not in str(error.value)
    assert [p for p in (tmp_path / 'cache').rglob('*') if p.is_file() and p.suffix != '.lock'] == []
