"""seqlab entry point: flags only.

  python launch.py --config=configs/vit.py                         # train, evaluate, checkpoint
  python launch.py --config=configs/vit.py:variant=Ti,patch=4 --config.optim.lr=3e-4 --workdir=runs/vit
  python launch.py --config=configs/vit.py --mode=eval             # evaluate the latest checkpoint
  python launch.py --config=configs/vit.py --mode=eval --split=test  # ... on the test split
  python launch.py --config=configs/vit.py --mode=predict          # write predictions for the eval split
  python launch.py --config=configs/gpt.py --mode=generate         # sample from the latest checkpoint
  python launch.py --config=configs/vit.py --sweep                 # the config's get_sweep(arg)
  python launch.py --config=configs/vit.py --mode=figures          # PNGs in <workdir>/figures/

Bad input is one line on stderr and exit code 2, before anything is compiled or written.
"""

import os
import sys

from seqlab import runtime

# On CPU, glibc malloc settings that keep XLA's per-step temporaries in the process
# (seqlab/runtime.py); glibc reads them only at start-up, so set them and re-execute once.
if __name__ == '__main__' and (settings := runtime.allocator(os.environ)):
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **settings})

from absl import app, flags  # noqa: E402

from seqlab import launcher  # noqa: E402
from seqlab.sweep.options import Options as SweepOptions  # noqa: E402

flags.DEFINE_string('config', None, 'configs/<name>.py[:arg]', required=True)
flags.DEFINE_string('workdir', None, 'checkpoints, logs and resolved config (default runs/<name>)')
flags.DEFINE_enum(
    'mode', 'train', ['train', 'eval', 'predict', 'generate', 'figures'], 'what to do'
)
flags.DEFINE_integer(
    'checkpoint_step', None, 'eval/predict/generate: this step instead of the latest'
)
flags.DEFINE_string(
    'split', None, "eval/predict: this split instead of config.data.eval_split (e.g. 'test')"
)
flags.DEFINE_bool(
    'sweep', False, "run the config's get_sweep(arg): one trial per <workdir>/trials/<n>"
)
flags.DEFINE_bool('sweep_dry_run', False, 'list the trials and their overrides; run nothing')
flags.DEFINE_bool('sweep_retry_failed', False, 'run failed trials of the sweep again')
flags.DEFINE_string('sweep_storage', None, 'Optuna storage URL (default sqlite in the workdir)')
flags.DEFINE_integer('sweep_parallel', 1, 'trials at a time in this process')
flags.DEFINE_integer('sweep_heartbeat', 30, 'seconds between trial heartbeats')
FLAGS = flags.FLAGS


def sweep_options() -> SweepOptions | None:
    """The --sweep_* flags, or None without --sweep (and without --sweep_dry_run)."""
    if not (FLAGS.sweep or FLAGS.sweep_dry_run):
        return None
    return SweepOptions(
        dry_run=FLAGS.sweep_dry_run,
        retry_failed=FLAGS.sweep_retry_failed,
        storage=FLAGS.sweep_storage,
        parallel=FLAGS.sweep_parallel,
        heartbeat=FLAGS.sweep_heartbeat,
    )


def main(argv: list[str]) -> None:
    if len(argv) > 1:
        launcher.fail(f'unexpected arguments: {" ".join(argv[1:])}')
    launcher.run(
        FLAGS.config,
        OVERRIDES,
        FLAGS.workdir,
        FLAGS.mode,
        FLAGS.checkpoint_step,
        sweep=sweep_options(),
        split=FLAGS.split,
    )


if __name__ == '__main__':
    OVERRIDES, ARGV = launcher.split_overrides(sys.argv)
    app.run(main, argv=ARGV, flags_parser=launcher.parse_flags)
