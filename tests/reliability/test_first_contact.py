"""A careless user's first commands through `launch.py`: each mistake is one `error:` line on
stderr and exit code 2, before anything is compiled or written, like every other bad input.

Here: absl flag mistakes (absl's own parser prints usage and exits 1).
"""

import pytest

from tests.conftest import launch

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
}


@pytest.mark.parametrize('case', FLAG_MISTAKES)
def test_flag_mistake_is_one_line_exit_2(tmp_path, case):
    flag, line = FLAG_MISTAKES[case]
    result = launch('--config=configs/vit.py:smoke', f'--workdir={tmp_path / "run"}', flag)
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr == line + '\n'
    assert not (tmp_path / 'run').exists()
