"""The seeded peer tables (text, keywords, graph): a run name per model and seed, each run's
config at its seed, and --runs taking any subset of those names."""

import os
import sys

import pytest

from tests.conftest import REPO

sys.path.insert(0, os.path.join(REPO, 'experiments'))
import graph_vs_peer  # noqa: E402
import keywords_vs_peer  # noqa: E402
import text_vs_peer  # noqa: E402
import trained_runs  # noqa: E402

from seqlab import launcher  # noqa: E402

SEEDED = [  # (module, its config of a run name, seed-0 run name, its config)
    (text_vs_peer, text_vs_peer.config, 'text_cnn', 'configs/text_cnn.py'),
    (text_vs_peer, text_vs_peer.config, 'text_transformer', 'configs/text_transformer.py'),
    (text_vs_peer, text_vs_peer.config, 'gpt', 'configs/gpt.py'),
    (keywords_vs_peer, keywords_vs_peer.config, 'spec_cnn', 'configs/spec_cnn.py'),
    (keywords_vs_peer, keywords_vs_peer.config, 'wave_cnn', 'configs/wave_cnn.py'),
    (keywords_vs_peer, keywords_vs_peer.config, 'spec_cnn_pixel', 'configs/spec_cnn.py:head=pixel'),
    (graph_vs_peer, graph_vs_peer.load, 'graphormer_logp_local_sum', 'configs/graphormer.py'),
    (
        graph_vs_peer,
        graph_vs_peer.load,
        'graphormer_tpsa_local_sum',
        'configs/graphormer.py:target=tpsa',
    ),
]


@pytest.mark.parametrize('module, config, name, spec', SEEDED)
def test_seed_zero_keeps_the_name_and_default_config_and_seed_k_adds_seed_k(
    monkeypatch, module, config, name, spec
):
    monkeypatch.chdir(REPO)
    names = [name, f'{name}_seed1', f'{name}_seed2']
    assert all(n in module.RUNS for n in names)
    default = launcher.load_config(spec, {})
    assert config(name).to_json(sort_keys=True) == default.to_json(sort_keys=True)
    for seed, run in enumerate(names):
        seeded = config(run)
        assert seeded.seed == seed
        seeded.seed = default.seed
        assert seeded.to_json(sort_keys=True) == default.to_json(sort_keys=True)


@pytest.mark.parametrize('module, config, name, spec', SEEDED)
def test_runs_flag_takes_a_subset_of_the_seeds(monkeypatch, module, config, name, spec):
    subset = f'{name}_seed1,{name}_seed2'
    monkeypatch.setattr(sys, 'argv', ['script', '--runs', subset])
    assert trained_runs.parse_args('doc', module.RUNS, 'runs', 'out.md').names == subset.split(',')
    monkeypatch.setattr(sys, 'argv', ['script', '--runs', f'{name}_seed3'])
    with pytest.raises(SystemExit):
        trained_runs.parse_args('doc', module.RUNS, 'runs', 'out.md')


def test_graph_ablations_stay_single_seed_and_karate_keeps_its_names():
    runs = graph_vs_peer.RUNS
    assert [n for n in runs if n.startswith('graphormer_logp_sum')] == ['graphormer_logp_sum']
    assert [n for n in runs if n.startswith('karate')] == [f'karate_seed{k}' for k in range(3)]
    assert graph_vs_peer.load('karate_seed2').seed == 2
