"""A careless user's first commands through `launch.py`: each mistake is one `error:` line on
stderr and exit code 2, before anything is compiled or written, like every other bad input; a legal
setting that may surprise is one warning line when training starts.

Here: absl flag mistakes (absl's own parser prints usage and exits 1), a matmul precision JAX
itself would reject with a traceback, a misspelt
checkpoint.best_metric (found before training, not at the first save after an evaluation), and one
smoke run whose cadences act only at the last step, then read with a --checkpoint_step it did not
save.
"""

import pytest

from seqlab import launcher
from seqlab.train import loop
from tests.conftest import launch
from tests.reliability import runs
from tests.reliability.test_bad_inputs import refused

SURPRISING_CADENCES = {'eval_every': '0', 'log_every': '100'}  # checkpoints at 8, 16, 24

FLAG_MISTAKES = {
    # name: (flag, the error line)
    'misspelt flag': (
        '--workdr=x',
        "error: Unknown command line flag 'workdr'. Did you mean: workdir ?",
    ),
    'unknown mode': (
        '--mode=test',
        'error: flag --mode=test: value should be one of <train|eval|predict|generate|figures>',
    ),
    'step that is not a number': (
        '--checkpoint_step=abc',
        "error: flag --checkpoint_step=abc: invalid literal for int() with base 10: 'abc'",
    ),
    'unknown matmul precision': (
        '--config.matmul_precision=fast',
        "error: config.matmul_precision='fast' is not allowed; allowed: default, high, highest",
    ),
}


@pytest.mark.parametrize('case', FLAG_MISTAKES)
def test_flag_mistake_is_one_line_exit_2(tmp_path, case):
    flag, line = FLAG_MISTAKES[case]
    result = launch('--config=configs/vit.py:smoke', f'--workdir={tmp_path / "run"}', flag)
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr == line + '\n'
    assert not (tmp_path / 'run').exists()


def test_misspelt_best_metric_is_refused_before_training(tmp_path):
    workdir = tmp_path / 'run'
    workdir.mkdir()
    error = refused('configs/vit.py:smoke', {'checkpoint.best_metric': 'eval/acc'}, workdir)
    assert error == (
        "error: config.checkpoint.best_metric='eval/acc' is not a metric of this run's "
        "evaluation; allowed: eval/accuracy, eval/loss, or '' (no best checkpoint)"
    )


def test_end_only_cadences_are_warned_about_and_unsaved_checkpoint_steps_refused(tmp_path, capsys):
    """One smoke run (its training is the cost): its warnings, then --checkpoint_step=7 in every
    reading mode, through launch.py for eval and in process for the others (the same check runs
    before any mode's dispatch); then the training command again on the finished run."""
    workdir = tmp_path / 'run'
    run = runs.Launch('configs/vit.py:smoke', SURPRISING_CADENCES, workdir)
    run.finished()
    warnings = [
        line.partition(' WARNING ')[2] for line in run.stderr.splitlines() if ' WARNING ' in line
    ]
    assert warnings == [
        "config.log_every='100': training metrics are logged only at the last step (24); 100 "
        'steps > the run',
        "config.eval_every='0': the model is evaluated only at the last step (24); '0' means not "
        'periodically',
    ]
    assert [r['step'] for r in runs.records(workdir) if 'eval/accuracy' in r] == [24]
    assert [r['step'] for r in runs.records(workdir) if 'train/loss' in r] == [24]
    assert runs.checkpoint_steps(workdir) == [8, 16, 24]

    unsaved = (
        f'error: --checkpoint_step=7 is not saved in {workdir}/checkpoints; saved steps: 8, 16, 24'
    )
    flags = ('--mode=eval', '--checkpoint_step=7')
    assert refused('configs/vit.py:smoke', SURPRISING_CADENCES, workdir, flags=flags) == unsaved
    before = runs.snapshot(workdir)
    overrides = {key: str(value) for key, value in SURPRISING_CADENCES.items()}
    for mode in ('predict', 'generate', 'figures'):
        with pytest.raises(SystemExit) as exit_info:
            launcher.run('configs/vit.py:smoke', overrides, str(workdir), mode, checkpoint_step=7)
        assert (exit_info.value.code, capsys.readouterr().err) == (2, unsaved + '\n'), mode
    assert runs.snapshot(workdir) == before

    # The training command once more, on the finished run: nothing trained, compiled or written;
    # the metrics logged at the last step come back.
    config = launcher.load_config('configs/vit.py:smoke', overrides)
    again = loop.train_and_evaluate(config, str(workdir))
    assert (
        'nothing to train: checkpoint 24 is at or past the last step (24)'
        in capsys.readouterr().err
    )
    logged = {k: v for r in runs.records(workdir) if r['step'] == 24 for k, v in r.items()}
    assert again == {
        k: logged[k] for k in ('eval/accuracy', 'eval/loss', 'test/accuracy', 'test/loss')
    }
    assert runs.snapshot(workdir) == before
