"""Export a trained GPT, BERT or ViT run as a transformers directory.

    python -m seqlab.interop.export runs/vit            # latest -> runs/vit/transformers_<step>
    python -m seqlab.interop.export runs/vit --best     # best by config.checkpoint.best_metric
    python -m seqlab.interop.export runs/vit --step 400 --out exported/vit

The run's resolved config (<workdir>/config.json) rebuilds the model; bad input is one line on
stderr and exit code 2.
"""

import argparse
import json
import os
import sys

import jax
import ml_collections

from seqlab import interop
from seqlab.config import ConfigError
from seqlab.train import checkpoint, loop, metrics_log


def best_step(run: loop.Run) -> int:
    """The kept step with the best config.checkpoint.best_metric in <workdir>/metrics.jsonl."""
    workdir, config = run.workdir, run.config
    metric, mode = config.checkpoint.best_metric, config.checkpoint.best_mode
    checkpointer = run.checkpointer()
    steps = checkpointer.all_steps()
    checkpointer.close()
    step = metrics_log.best_step(workdir, metric, mode, steps)
    if step is None:
        raise ConfigError(
            f'--best: no kept step of {workdir} has {metric} in metrics.jsonl; allowed: --step '
            f'with one of {steps}'
        )
    return step


def export(workdir: str, step: int | None = None, best: bool = False, out: str = '') -> str:
    """Write the checkpoint `step` (default the latest; `best`: the best) of the run in `workdir`
    as a transformers directory (default <workdir>/transformers_<step>); returns its path."""
    config_path = os.path.join(workdir, 'config.json')
    if not os.path.isfile(config_path):
        raise ConfigError(f'{config_path} does not exist; allowed: the workdir of a seqlab run')
    with open(config_path) as f:
        config = ml_collections.ConfigDict(json.load(f))
    run = loop.Run(config, workdir, mode='eval')
    params, step = run.restore_params(best_step(run) if best else step)
    out = out or os.path.join(workdir, f'transformers_{step}')
    interop.to_transformers(run.plan.model, {'params': jax.device_get(params)}, out)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog='python -m seqlab.interop.export', description=__doc__)
    parser.add_argument('workdir')
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument('--step', type=int, help='this kept step instead of the latest')
    choice.add_argument('--best', action='store_true', help='the best kept step')
    parser.add_argument('--out', default='', help='default: <workdir>/transformers_<step>')
    args = parser.parse_args(argv)
    try:
        print(export(args.workdir, args.step, args.best, args.out))
    except (ConfigError, checkpoint.CheckpointError, interop.InteropError) as error:
        sys.stderr.write(f'error: {error}\n')  # one write: no other thread's text inside the line
        sys.exit(2)


if __name__ == '__main__':
    main()
