"""seqlab entry point: flags only.

  python launch.py --config=configs/vit.py                         # train, evaluate, checkpoint
  python launch.py --config=configs/vit.py:variant=Ti,patch=4 --config.optim.lr=3e-4 --workdir=runs/vit
  python launch.py --config=configs/vit.py --mode=eval             # evaluate the latest checkpoint
  python launch.py --config=configs/vit.py --mode=predict          # write predictions for the eval split

Bad input is one line on stderr and exit code 2, before anything is compiled or written.
"""

import sys

from absl import app, flags

from seqlab import launcher

flags.DEFINE_string('config', None, 'configs/<name>.py[:arg]', required=True)
flags.DEFINE_string('workdir', None, 'checkpoints, logs and resolved config (default runs/<name>)')
flags.DEFINE_enum('mode', 'train', ['train', 'eval', 'predict'], 'what to do')
flags.DEFINE_integer('checkpoint_step', None, 'eval/predict: this step instead of the latest')
FLAGS = flags.FLAGS


def main(argv: list[str]) -> None:
    if len(argv) > 1:
        launcher.fail(f'unexpected arguments: {" ".join(argv[1:])}')
    launcher.run(FLAGS.config, OVERRIDES, FLAGS.workdir, FLAGS.mode, FLAGS.checkpoint_step)


if __name__ == '__main__':
    OVERRIDES, ARGV = launcher.split_overrides(sys.argv)
    app.run(main, argv=ARGV)
