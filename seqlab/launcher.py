"""What launch.py does, importable by tests: load a config file, apply overrides, dispatch a mode.

Every ConfigError becomes one line on stderr and exit code 2; nothing has been compiled or written.
"""

import dataclasses
import importlib.util
import json
import logging
import os
import signal
import sys
import types

import ml_collections
import tensorflow_datasets as tfds

from seqlab import paths
from seqlab.config import ConfigError, apply_overrides
from seqlab.sweep import runner as sweep_runner
from seqlab.train import checkpoint, init_from, loop, sharding

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


def load_config(spec: str, overrides: dict[str, str]) -> ml_collections.ConfigDict:
    """`configs/vit.py:variant=S` -> get_config('variant=S') with overrides applied."""
    config = config_module(spec).get_config(spec.partition(':')[2] or None)
    apply_overrides(config, overrides)
    paths.config_paths(config)
    init_from.configure(config, overrides)
    return config


def config_module(spec: str) -> types.ModuleType:
    """The module of config file `configs/vit.py[:arg]` (get_config, and get_sweep if it sweeps)."""
    path = spec.partition(':')[0]
    if not os.path.isfile(path):
        raise ConfigError(f'--config={path!r} is not a file; expected configs/<name>.py')
    module_spec = importlib.util.spec_from_file_location('seqlab_config', path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def default_workdir(spec: str) -> str:
    return os.path.join('runs', os.path.splitext(os.path.basename(spec.partition(':')[0]))[0])


def fail(message: str) -> None:
    print(f'error: {message}', file=sys.stderr)
    sys.exit(USAGE_ERROR)


def run(
    spec: str,
    overrides: dict[str, str],
    workdir: str | None,
    mode: str,
    checkpoint_step: int | None = None,
    sweep: sweep_runner.Options | None = None,
) -> None:
    """Dispatch `mode` (or, with `sweep`, run the config's sweep); bad input exits with code 2."""
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
        config = load_config(spec, overrides)
        if sweep is not None:
            if mode != 'train':
                raise ConfigError(
                    f'--sweep trains its trials; --mode={mode} is not allowed with it'
                )
            get_sweep = getattr(config_module(spec), 'get_sweep', None)
            sys.exit(sweep_runner.run(spec, overrides, config, get_sweep, workdir, sweep))
        sharding.initialize_distributed()  # multi-host launches only (seqlab/train/sharding.py)
        if mode == 'train':
            loop.train_and_evaluate(config, workdir)
        elif mode == 'eval':
            print(json.dumps(loop.evaluate(config, workdir, checkpoint_step)))
        elif mode == 'generate':
            print(loop.generate(config, workdir, checkpoint_step))
        elif mode == 'figures':
            # imported here: matplotlib writes its cache under $HOME, which only figures need
            from seqlab.figures import make as figures

            print('\n'.join(figures.make(config, workdir, checkpoint_step)))
        else:
            print(loop.predict(config, workdir, checkpoint_step))
    except (ConfigError, checkpoint.CheckpointError, loop.DataError) as error:
        fail(str(error))
    except KeyboardInterrupt:  # Ctrl-C before training started, or pressed twice (loop.py)
        print('interrupted (Ctrl-C); committed checkpoints are kept', file=sys.stderr)
        sys.exit(loop.EXIT_CODES[signal.SIGINT])
