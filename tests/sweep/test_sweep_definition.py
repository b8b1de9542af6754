"""get_sweep definitions: configs/vit.py's sweeps expand to the right trials; bad definitions are
one ConfigError line naming the bad value and what is allowed, before anything runs."""

import os

import optuna
import pytest

from seqlab import launcher
from seqlab.config import ConfigError
from seqlab.sweep import definition, runner
from tests.conftest import REPO

VIT = os.path.join(REPO, 'configs/vit.py')


def load(spec: str, get_sweep=None):
    config = launcher.load_config(spec, {})
    get_sweep = get_sweep or launcher.config_module(spec).get_sweep
    return definition.load(get_sweep, spec.partition(':')[2] or None, config)


def test_vit_grid_is_the_product_of_lr_and_weight_decay():
    sweep = load(VIT)
    assert sweep.size == 9
    assert sweep.fixed(0) == {'optim.lr': '0.0003', 'optim.weight_decay': '0.0'}
    assert sweep.fixed(5) == {'optim.lr': '0.001', 'optim.weight_decay': '0.1'}
    assert sweep.fixed(8) == {'optim.lr': '0.003', 'optim.weight_decay': '0.1'}


def test_vit_tpe_search_has_distributions():
    sweep = load(f'{VIT}:sweep=tpe')
    assert (sweep.size, sweep.sampler, sweep.grid) == (20, 'tpe', {})
    assert sweep.search['optim.lr'] == optuna.distributions.FloatDistribution(1e-4, 3e-3, log=True)


def test_grid_and_search_together_give_trials_per_grid_point():
    def both(arg):
        return dict(
            grid={'model.kwargs.pool': ['cls', 'mean']},
            search={'optim.lr': ('log_uniform', 1e-4, 1e-2)},
            trials=3,
        )

    sweep = load(f'{VIT}:smoke', both)
    assert sweep.size == 6
    assert [sweep.fixed(s)['model.kwargs.pool'] for s in range(6)] == ['cls'] * 3 + ['mean'] * 3


def test_dry_run_lists_trials_and_their_overrides(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        launcher.run(
            f'{VIT}:smoke',
            {'steps': '4'},
            str(tmp_path / 'sweep'),
            'train',
            sweep=runner.Options(dry_run=True),
        )
    assert exit_info.value.code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 9
    assert lines[4].split() == [
        '4',
        'pending',
        '--config.optim.lr=0.001',
        '--config.optim.weight_decay=0.05',
    ]
    assert not os.path.exists(tmp_path / 'sweep')


BAD = [
    (
        dict(grid={'optim.lrr': [1e-3]}),
        'sweep grid: config.optim.lrr does not exist; allowed here:',
    ),
    (dict(grid={'optim.lr': []}), "sweep grid 'optim.lr'=[] is not allowed; allowed: a non-empty"),
    (dict(grid={'optim.lr': ['fast']}), "sweep grid: config.optim.lr='fast' is not a valid float"),
    (dict(grid={'seed': [1, 1]}), "sweep grid 'seed'=[1, 1] repeats a value"),
    (
        dict(search={'optim.lr': ('normal', 0, 1)}, trials=2),
        "'optim.lr'=('normal', 0, 1) is not a distribution; allowed: ('uniform'",
    ),
    (dict(search={'optim.lr': ('uniform', 1.0)}, trials=2), 'needs 2 argument(s)'),
    (dict(search={'optim.lr': ('uniform', 1.0, 0.5)}, trials=2), 'need numbers low < high'),
    (dict(search={'optim.lr': ('log_uniform', 0.0, 0.5)}, trials=2), 'log_uniform needs low > 0'),
    (
        dict(search={'seed': ('uniform', 0, 3)}, trials=2),
        "config.seed='0.0' has type float; expected int",
    ),
    (dict(search={'model.kwargs.pool': ('choice', [])}, trials=2), 'choice needs a non-empty list'),
    (dict(search={'optim.lr': ('uniform', 0.1, 0.2)}), 'sweep search needs trials='),
    (
        dict(search={'optim.lr': ('uniform', 0.1, 0.2)}, trials=0),
        'sweep trials=0 is not allowed; allowed: an int >= 1',
    ),
    (
        dict(search={'optim.lr': ('uniform', 0.1, 0.2)}, trials=2, sampler='grid'),
        "sampler='grid' is not known; allowed: random, tpe",
    ),
    (dict(grid={'seed': [0]}, trials=3), 'sweep trials=3 needs a search'),
    (
        dict(grid={'seed': [0]}, search={'seed': ('int', 0, 3)}, trials=2),
        "'seed' is in both grid and search",
    ),
    (dict(grid={'checkpoint.best_metric': ['eval/loss']}), 'the objective cannot be swept'),
    (dict(grids={'seed': [0]}), "get_sweep key 'grids' is not known; allowed: grid, search"),
    (dict(), 'get_sweep defines no trials'),
]


@pytest.mark.parametrize('spec, message', BAD)
def test_bad_sweep_is_one_config_error(spec, message):
    with pytest.raises(ConfigError) as error:
        load(f'{VIT}:smoke', lambda arg: spec)
    assert message in str(error.value)
    assert '\n' not in str(error.value)


def test_bad_sweep_exits_2_before_anything_is_written(tmp_path, capsys):
    spec = tmp_path / 'no_sweep.py'
    spec.write_text(
        'import importlib.util\n'
        f'_s = importlib.util.spec_from_file_location("vit", {VIT!r})\n'
        '_m = importlib.util.module_from_spec(_s); _s.loader.exec_module(_m)\n'
        'get_config = _m.get_config\n'
    )
    with pytest.raises(SystemExit) as exit_info:
        launcher.run(f'{spec}:smoke', {}, str(tmp_path / 'sweep'), 'train', sweep=runner.Options())
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (
        'error: --sweep: this config defines no get_sweep(arg); add one (see configs/vit.py)\n'
    )
    assert not os.path.exists(tmp_path / 'sweep')


@pytest.mark.parametrize(
    'metric, message',
    [
        (
            'eval/acc',
            "config.checkpoint.best_metric='eval/acc' is not a metric of this run's evaluation; "
            "allowed: eval/accuracy, eval/loss, or '' (no best checkpoint)",
        ),
        (
            '',
            "--sweep needs an objective: config.checkpoint.best_metric is ''; allowed: "
            'eval/accuracy, eval/loss',
        ),
    ],
)
def test_objective_that_no_trial_logs_exits_2_before_anything_runs(
    tmp_path, capsys, metric, message
):
    with pytest.raises(SystemExit) as exit_info:
        launcher.run(
            f'{VIT}:smoke',
            {'checkpoint.best_metric': metric},
            str(tmp_path / 'sweep'),
            'train',
            sweep=runner.Options(),
        )
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == f'error: {message}\n'
    assert not os.path.exists(tmp_path / 'sweep')  # no study, no trial
