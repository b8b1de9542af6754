"""The data directory as users treat it, through `launch.py` on real files: a dataset prepared in a
read-only directory trains with no lock and no write there; a directory that cannot hold what a run
must prepare (read-only and empty, a tokenizer not yet cached, a disk that fills up while the dataset
is prepared) is refused in one line naming it and saying what to do (`refused`: exit 2, nothing
compiled, the workdir untouched), and nothing half-prepared is left for a later run to trust; a
read-only HOME stops nothing where SEQLAB_DATA_DIR is writable, and otherwise is one line naming the
default data directory under it.

Read-only is chmod 555 (444 for files); a root run is started without CAP_DAC_OVERRIDE (`setpriv`,
as in test_writer_failure.py) so that the mode binds it. A full disk is the file-size limit
(`prlimit --fsize`: EFBIG) or, where this user may mount, a 128 KiB tmpfs mounted over the data
directory in a private mount namespace (`unshare --mount`: ENOSPC).
"""

import contextlib
import os
import pathlib
import subprocess
import sys
from collections.abc import Iterator

import pytest

from seqlab.data import builders
from tests.conftest import REPO
from tests.reliability import records, runs
from tests.reliability.test_bad_inputs import refused
from tests.reliability.test_writer_failure import bound_by_file_modes

SPEC = 'configs/vit.py:smoke'  # digits: 1,797 8x8 images, prepared in about 5 s
TRAIN = {'steps': 2}
NUM_TRAIN = 1445  # digits' train split (pinned by its hashed split)
FILE_SIZE_LIMIT = 64 * 1024  # bytes: below digits' train file (about 380 KiB)
TMPFS_BYTES = 128 * 1024
MOUNT_TMPFS = f'mount -t tmpfs -o size={TMPFS_BYTES} seqlab_full "$0" && exec "$@"'
ELSEWHERE = 'set SEQLAB_DATA_DIR (or config.data.data_dir) to'


@contextlib.contextmanager
def read_only(path: pathlib.Path) -> Iterator[None]:
    """`path` and everything below it without write permission (555 / 444) inside the block."""
    paths = [path, *path.rglob('*')]
    for item in paths:
        item.chmod(0o555 if item.is_dir() else 0o444)
    try:
        yield
    finally:
        for item in paths:
            item.chmod(0o755 if item.is_dir() else 0o644)


def everything(path: pathlib.Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and directory (None) below `path`, by relative path."""
    return {
        str(item.relative_to(path)): item.read_bytes() if item.is_file() else None
        for item in path.rglob('*')
    }


def cannot_be_written(name: str, data_dir: pathlib.Path, denied: pathlib.Path) -> str:
    """The error line for dataset `name`, not prepared in an unwritable `data_dir`."""
    return (
        f'error: dataset {name} is not prepared in {data_dir}, and {data_dir} cannot be written '
        f"([Errno 13] Permission denied: '{denied}'); {ELSEWHERE} a writable directory, or to "
        f'one where {name} is prepared'
    )


def test_a_dataset_prepared_in_a_read_only_data_dir_trains_without_writing_there(tmp_path):
    """No lock file, no record-scan memo, nothing: opening a prepared dataset writes nothing."""
    prefix = bound_by_file_modes()
    data_dir = tmp_path / 'data'
    records.prepared_copy(SPEC, data_dir)  # the prepared files, no lock file
    before = everything(data_dir)
    with read_only(data_dir):
        run = runs.Launch(
            SPEC, TRAIN, tmp_path / 'run', env={'SEQLAB_DATA_DIR': str(data_dir)}, prefix=prefix
        )
        run.finished()
    assert everything(data_dir) == before
    assert runs.last_logged_step(tmp_path / 'run') == TRAIN['steps']


def test_an_empty_read_only_data_dir_says_it_cannot_be_written_and_what_to_do(tmp_path, workdir):
    prefix = bound_by_file_modes()
    data_dir = tmp_path / 'data'
    data_dir.mkdir()
    with read_only(data_dir):
        error = refused(SPEC, {}, workdir, env={'SEQLAB_DATA_DIR': str(data_dir)}, prefix=prefix)
    assert error == cannot_be_written('digits', data_dir, data_dir / 'digits.lock')
    assert everything(data_dir) == {}


def test_a_tokenizer_not_cached_in_a_read_only_data_dir_is_one_line(tmp_path, workdir):
    """A text dataset prepared there, but its tokenizer for this vocabulary never written."""
    prefix = bound_by_file_modes()
    data_dir = tmp_path / 'data'
    prepared = pathlib.Path(records.prepared_copy('configs/text_cnn.py:smoke', data_dir))
    for tokenizer in prepared.glob('tokenizer_*'):
        tokenizer.unlink()
    with read_only(data_dir):
        error = refused(
            'configs/text_cnn.py:smoke',
            {},
            workdir,
            env={'SEQLAB_DATA_DIR': str(data_dir)},
            prefix=prefix,
        )
    config = runs.config_of('configs/text_cnn.py:smoke', {})
    name = f'tokenizer_train_word_{config.data.vocab_size}.json'
    assert error == (
        f'error: the tokenizer {name} is not in {prepared}, and it cannot be written there '
        f'(Permission denied); {ELSEWHERE} a writable directory'
    )
    assert not list(prepared.glob('tokenizer_*'))


def mount_namespace_available(directory: pathlib.Path) -> bool:
    """Whether this user may mount a tmpfs over `directory` in a private mount namespace."""
    command = ['unshare', '--mount', 'sh', '-c', MOUNT_TMPFS, str(directory), 'true']
    return subprocess.run(command, capture_output=True).returncode == 0


@pytest.mark.parametrize('full', ['file size limit', 'full file system'])
def test_a_full_disk_while_preparing_is_one_line_and_keeps_nothing(tmp_path, workdir, full):
    data_dir = tmp_path / 'data'
    data_dir.mkdir()
    if full == 'file size limit':
        prefix, reason = ['prlimit', f'--fsize={FILE_SIZE_LIMIT}'], 'File too large (EFBIG)'
    elif mount_namespace_available(data_dir):
        prefix = ['unshare', '--mount', 'sh', '-c', MOUNT_TMPFS, str(data_dir)]
        reason = 'No space left on device (ENOSPC)'
    else:
        pytest.skip('this user cannot mount a tmpfs in a private mount namespace')
    error = refused(SPEC, {}, workdir, env={'SEQLAB_DATA_DIR': str(data_dir)}, prefix=prefix)
    assert error == (
        f'error: preparing dataset digits in {data_dir} failed: {reason}; nothing of it was '
        f'kept; free space there, or {ELSEWHERE} another directory'
    )
    files = [name for name, content in everything(data_dir).items() if content is not None]
    assert files in ([], ['digits.lock'])  # no dataset file: neither trusted nor taking room
    if full == 'file size limit':  # the tmpfs went with its namespace
        builder = builders.offline('digits', str(data_dir))  # prepared anew once there is room
        assert builder.info.splits['train'].num_examples == NUM_TRAIN


def test_a_read_only_home_without_a_data_dir_names_the_default_one(tmp_path, workdir):
    """The default data directory is ~/.cache/seqlab/tfds; nothing else writes under HOME before
    the error (matplotlib, which does, is imported only by --mode=figures)."""
    prefix = bound_by_file_modes()
    home = tmp_path / 'home'
    home.mkdir()
    env = {'HOME': str(home), 'SEQLAB_DATA_DIR': ''}  # '' is unset: the default data dir
    with read_only(home):
        error = refused(SPEC, {}, workdir, env=env, prefix=prefix)
    default = home / '.cache' / 'seqlab' / 'tfds'
    assert error == cannot_be_written('digits', default, home / '.cache')
    assert everything(home) == {}


def test_a_read_only_home_prepares_and_trains_with_a_writable_data_dir(tmp_path):
    prefix = bound_by_file_modes()
    home = tmp_path / 'home'
    home.mkdir()
    data_dir = tmp_path / 'data'  # empty: the run prepares digits in it
    env = {'HOME': str(home), 'SEQLAB_DATA_DIR': str(data_dir)}
    with read_only(home):
        run = runs.Launch(SPEC, TRAIN, tmp_path / 'run', env=env, prefix=prefix)
        run.finished()
    assert str(home) not in run.stderr  # no warning about HOME (matplotlib's two, before)
    assert everything(home) == {}
    assert builders.is_prepared(builders.offline('digits', str(data_dir)))
    assert os.path.isfile(tmp_path / 'run' / 'metrics.jsonl')


IMPORTS_OF_A_RUN = """
import sys
from seqlab import launcher
from seqlab.data import builders
for name in builders.names():
    builders.module(name)
print(sorted(name for name in sys.modules if name.split('.')[0] == 'matplotlib'))
"""


def test_a_run_imports_no_matplotlib():
    """matplotlib writes its config and font cache under HOME when imported (two warnings on
    stderr where HOME is read-only): the launcher (with the train loop, models and tasks) and every
    dataset builder leave it to --mode=figures (mnist1d's builder imports it only to prepare)."""
    result = subprocess.run(
        [sys.executable, '-c', IMPORTS_OF_A_RUN], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == '[]'
