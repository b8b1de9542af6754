"""What launch.py does, importable by tests: load a config file, apply overrides, dispatch a mode.

Every ConfigError becomes one line on stderr and exit code 2; nothing has been compiled or written.
So does an exception raised by the config file itself: a syntax error, a failing import, get_config
or get_sweep (`config_file_errors` names the file and line), no get_config, or one that returns
something other than a ConfigDict, and a bad flag (`parse_flags`).
"""

import contextlib
import dataclasses
import importlib.util
import json
import logging
import os
import signal
import sys
import traceback
import types
from collections.abc import Callable, Iterator
from typing import Any

import ml_collections
import tensorflow_datasets as tfds
from absl import flags

from seqlab import models, paths, runtime
from seqlab.config import ConfigError, apply_overrides
from seqlab.sweep.options import Options as SweepOptions
from seqlab.train import checkpoint, init, loop, preflight, sharding

log = logging.getLogger('seqlab')
USAGE_ERROR = 2


def split_overrides(argv: list[str]) -> tuple[dict[str, str], list[str]]:
    """Take `--config.a.b=v` (or `--config.a.b v`) out of argv; the rest goes to absl."""
    overrides, rest = {}, []
    args = iter(argv)
    for arg in args:
        if arg.startswith('--config.'):
            key, sep, value = arg[len('--config.') :].partition('=')
            if not sep:
                value = next(args, None)
                if value is None:
                    fail(f'--config.{key} needs a value')
            overrides[key] = value
        else:
            rest.append(arg)
    return overrides, rest


def parse_flags(argv: list[str]) -> list[str]:
    """absl's flag parsing for `app.run(flags_parser=...)`; a bad flag (unknown, bad value,
    missing --config) is one `error:` line and exit code 2 like other bad input (absl's own
    parser prints usage and exits 1). -> the arguments left for main."""
    try:
        return flags.FLAGS(argv)
    except flags.Error as error:
        fail(' '.join(str(error).split()))


def load_config(
    spec: str, overrides: dict[str, str], fresh: bool = True
) -> ml_collections.ConfigDict:
    """`configs/vit.py:variant=S` -> get_config('variant=S') with overrides applied and config.init
    checked (seqlab.train.init.resolve); `fresh` False for a run that will not start fresh (it
    resumes, or reads its checkpoints): then a seqlab run named in config.init is not read."""
    path = spec.partition(':')[0]
    get_config = config_function(spec, 'get_config')
    if get_config is None:
        raise ConfigError(
            f'{path} defines no get_config(arg); a config file returns its '
            'ml_collections.ConfigDict from get_config (see configs/vit.py)'
        )
    config = get_config(spec.partition(':')[2] or None)
    if not isinstance(config, ml_collections.ConfigDict):
        raise ConfigError(
            f'{path}: get_config returned a {type(config).__name__}; expected an '
            'ml_collections.ConfigDict'
        )
    model = config.get('model')
    if isinstance(model, ml_collections.ConfigDict) and 'kwargs' in model:
        for key, value in models.shared_defaults(model.get('name', '')).items():
            if key not in model.kwargs:  # so --config.model.kwargs.dtype=... works on every model
                model.kwargs[key] = value
    apply_overrides(config, overrides)
    paths.config_paths(config)
    init.resolve(config, overrides, fresh)
    return config


def config_module(spec: str) -> types.ModuleType:
    """The module of config file `configs/vit.py[:arg]` (get_config, and get_sweep if it sweeps)."""
    path = spec.partition(':')[0]
    if not os.path.isfile(path):
        raise ConfigError(f'--config={path!r} is not a file; expected configs/<name>.py')
    module_spec = importlib.util.spec_from_file_location('seqlab_config', path)
    module = importlib.util.module_from_spec(module_spec)
    with config_file_errors(path, 'loading the file'):
        module_spec.loader.exec_module(module)
    return module


def config_function(spec: str, name: str) -> Callable[[str | None], Any] | None:
    """The config file's function `name` (get_config, get_sweep), or None if it has none; an
    exception it raises becomes one line naming the file and line (`config_file_errors`)."""
    path = spec.partition(':')[0]
    function = getattr(config_module(spec), name, None)
    if not callable(function):
        return None

    def call(arg: str | None) -> Any:
        with config_file_errors(path, name):
            return function(arg)

    return call


@contextlib.contextmanager
def config_file_errors(path: str, doing: str) -> Iterator[None]:
    """Turn an exception from the user's config file into a ConfigError naming the file, the line
    and the exception (`configs/mine.py line 12: get_config raised KeyError: 'foo'`); a
    ConfigError (seqlab's parse_arg, one_of) passes unchanged, it is one line already."""
    try:
        yield
    except ConfigError:
        raise
    except SyntaxError as error:
        if not _same_file(error.filename, path):
            raise ConfigError(_located(path, error, doing)) from error
        raise ConfigError(
            f'{path} line {error.lineno}: {type(error).__name__}: {error.msg}'
        ) from error
    except Exception as error:  # noqa: BLE001 - any error of the user's code is reported the same way
        raise ConfigError(_located(path, error, doing)) from error


def _located(path: str, error: BaseException, doing: str) -> str:
    """'<path> line <n>: <doing> raised <Type>: <message>', n the last line of `path` in the
    traceback (the user's line that raised, or that called the seqlab code that raised)."""
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(error.__traceback__)
        if _same_file(frame.filename, path)
    ]
    where = f'{path} line {lines[-1]}' if lines else path
    return f'{where}: {doing} raised {checkpoint.one_line(error)}'


def _same_file(name: str | None, path: str) -> bool:
    return bool(name) and os.path.abspath(name) == os.path.abspath(path)


def _has_checkpoint(workdir: str) -> bool:
    """Whether training in `workdir` resumes (it holds a checkpoint); read only."""
    directory = os.path.join(workdir, 'checkpoints')
    return os.path.isdir(directory) and bool(checkpoint.saved_steps(directory))


def default_workdir(spec: str) -> str:
    return os.path.join('runs', os.path.splitext(os.path.basename(spec.partition(':')[0]))[0])


def fail(message: str) -> None:
    # one write, so that a line another thread prints (orbax's tracebacks) cannot land between
    # the message and its newline
    sys.stderr.write(f'error: {message}\n')
    sys.exit(USAGE_ERROR)


def run(
    spec: str,
    overrides: dict[str, str],
    workdir: str | None,
    mode: str,
    checkpoint_step: int | None = None,
    sweep: SweepOptions | None = None,
    split: str | None = None,
) -> None:
    """Dispatch `mode` (or, with `sweep`, run the config's sweep); bad input exits with code 2.
    `split` (--split) picks the split eval and predict read (default config.data.eval_split)."""
    logging.basicConfig(
        level=logging.WARNING, format='%(asctime)s %(levelname)s %(message)s', force=True
    )
    log.setLevel(logging.INFO)
    tfds.disable_progress_bar()  # keep stderr to log lines (and errors to one line)
    workdir = paths.absolute(workdir or default_workdir(spec) + ('_sweep' if sweep else ''))
    spec = paths.config_spec(spec)
    paths.data_dir_env()
    if sweep is not None:
        sweep = dataclasses.replace(sweep, storage=paths.storage_url(sweep.storage))
    try:
        config = load_config(
            spec, overrides, fresh=mode == 'train' and not _has_checkpoint(workdir)
        )
        preflight.check_checkpoint_step(workdir, mode, checkpoint_step)
        if split is not None and mode not in ('eval', 'predict'):
            raise ConfigError(
                f'--split={split} is not allowed with --mode={mode}; allowed: --mode=eval or predict'
            )
        if sweep is not None:
            if mode != 'train':
                raise ConfigError(
                    f'--sweep trains its trials; --mode={mode} is not allowed with it'
                )
            get_sweep = config_function(spec, 'get_sweep')
            # imported here: Optuna and its database layer take a second that other runs skip
            from seqlab.sweep import runner as sweep_runner

            sys.exit(sweep_runner.run(spec, overrides, config, get_sweep, workdir, sweep))
        if config.get('deterministic', True):  # before JAX starts: exact resume on GPUs
            os.environ.update(runtime.deterministic(os.environ))
        sharding.initialize_distributed()  # multi-host launches only (seqlab/train/sharding.py)
        if mode == 'train':
            loop.train_and_evaluate(config, workdir)
        elif mode == 'eval':
            print(json.dumps(loop.evaluate(config, workdir, checkpoint_step, split)))
        elif mode == 'generate':
            print(loop.generate(config, workdir, checkpoint_step))
        elif mode == 'figures':
            # imported here: matplotlib writes its cache under $HOME, which only figures need
            from seqlab.figures import make as figures

            print('\n'.join(figures.make(config, workdir, checkpoint_step)))
        else:
            print(loop.predict(config, workdir, checkpoint_step, split))
    except (ConfigError, checkpoint.CheckpointError, loop.DataError) as error:
        fail(str(error))
    except KeyboardInterrupt:  # Ctrl-C before training started, or pressed twice (loop.py)
        print('interrupted (Ctrl-C); committed checkpoints are kept', file=sys.stderr)
        sys.exit(loop.EXIT_CODES[signal.SIGINT])
