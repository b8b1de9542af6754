"""`--config.init_from=<workdir>`: a fresh run starts from a seqlab run's checkpoint.

`configs/bert.py:smoke` pre-trains; the fine-tuning classifier (`:finetune,scratch,smoke`, no
config.init of its own) starts from it through init_from alone: every parameter with the same path
and shape loaded (embeddings, encoder), the classifier re-initialised and named in the log, the
masked-LM head named as unused, at step 0 with a fresh optimizer state. `@<step>` and `@best` pick
a kept step; `:finetune,smoke`'s own config.init source is replaced; a model field that differs
from the source run's, another model, a second source and a directory that is no run are
one-line errors.
"""

import json
import logging
import os
import shutil

import jax
import numpy as np
import pytest
from flax import traverse_util

from seqlab import interop, launcher
from seqlab.config import ConfigError
from seqlab.models.bert import BERT
from seqlab.train import checkpoint, loop
from tests.conftest import REPO
from tests.train.conftest import SHORT

CONFIG = os.path.join(REPO, 'configs', 'bert.py')
GPT = os.path.join(REPO, 'configs', 'gpt.py')


def flat(params) -> dict:
    return traverse_util.flatten_dict(jax.device_get(params), sep='/')


def saved_params(workdir: str, step: int) -> dict:
    directory = os.path.join(workdir, 'checkpoints')
    device = jax.sharding.SingleDeviceSharding(jax.devices()[0])
    abstract = {
        path: jax.ShapeDtypeStruct(tuple(shape), np.float32, sharding=device)
        for path, shape in checkpoint.saved_shapes(directory, step).items()
        if path.startswith('params/')
    }
    arrays = checkpoint.restore_arrays(directory, step, abstract)
    return {path.removeprefix('params/'): np.asarray(a) for path, a in arrays.items()}


def classifier(init_from: str, variant: str = 'finetune,scratch,smoke', **more: str):
    return launcher.load_config(f'{CONFIG}:{variant}', {**SHORT, 'init_from': init_from, **more})


def test_the_classifier_starts_from_the_run_with_a_fresh_head(pretrained, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger='seqlab')
    run = loop.Run(classifier(pretrained), str(tmp_path / 'ft'))
    state = run.initial_state()
    start, source = flat(state.params), saved_params(pretrained, 4)
    scratch = flat(loop.Run(classifier(''), str(tmp_path / 'x')).initial_state().params)
    loaded = [p for p in start if p.startswith(('embeddings/', 'encoder/'))]
    assert len(loaded) > 10 and len(loaded) + 2 == len(start)
    for path in loaded:
        np.testing.assert_array_equal(start[path], source[path], err_msg=path)
        assert not np.array_equal(scratch[path], source[path]), path
    for path in ('classifier/bias', 'classifier/kernel'):
        np.testing.assert_array_equal(start[path], scratch[path])  # the seed's fresh init
    assert int(state.step) == 0
    assert all(not np.any(m) for m in jax.tree.leaves(jax.device_get(state.opt_state)))
    where = f"config.init.workdir='{pretrained}' (step 4)"
    assert (
        f're-initialised (not from {where}): classifier/bias (not in the source), '
        'classifier/kernel (not in the source)'
    ) in caplog.messages
    unused = [m for m in caplog.messages if m.startswith(f'parameters of {where} this run')]
    assert len(unused) == 1 and 'mlm_head/' in unused[0] and 'encoder/' not in unused[0]


def test_it_trains_from_step_zero(pretrained, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger='seqlab')
    workdir = str(tmp_path / 'ft')
    loop.train_and_evaluate(classifier(pretrained), workdir)
    assert checkpoint.saved_steps(os.path.join(workdir, 'checkpoints')) == [2, 4]
    assert any('classifier/kernel (not in the source)' in m for m in caplog.messages)
    assert not any(m.startswith('resumed') for m in caplog.messages)


def test_a_step_or_the_best_step_is_picked(pretrained, tmp_path):
    assert classifier(f'{pretrained}@2').init.step == 2
    with open(os.path.join(pretrained, 'metrics.jsonl')) as f:
        losses = {r['step']: r['eval/loss'] for r in map(json.loads, f) if 'eval/loss' in r}
    assert classifier(f'{pretrained}@best').init.step == min(losses, key=losses.get)
    start = flat(loop.Run(classifier(f'{pretrained}@2'), str(tmp_path)).initial_state().params)
    np.testing.assert_array_equal(
        start['encoder/blocks/mlp/hidden/kernel'],
        saved_params(pretrained, 2)['encoder/blocks/mlp/hidden/kernel'],
    )


def test_the_config_files_source_is_replaced(pretrained):
    config = classifier(pretrained, 'finetune,smoke')  # its config.init names runs/bert_smoke
    assert (config.init.workdir, config.init.step) == (pretrained, 0)
    assert dict(config.init.params) == {'embeddings': 'embeddings', 'encoder': 'encoder'}


@pytest.mark.parametrize(
    'spec, variant, more, message',
    [
        (
            '{w}',
            'finetune,scratch,smoke',
            {'model.kwargs.mlp_dim': '24'},
            "config.model.kwargs.mlp_dim=24 contradicts config.init_from='{w}' (mlp_dim=32); "
            'allowed: 32',
        ),
        (
            '{w}@two',
            'finetune,scratch,smoke',
            {},
            "config.init_from='{w}@two': 'two' is not a step; allowed: '{w}', "
            "'{w}@<step>' (a positive int), '{w}@best'",
        ),
        (
            '{w}',
            'finetune,smoke',
            {'init.workdir': 'runs/other'},
            '--config.init_from={w} and --config.init.workdir both name a source; '
            'allowed: one of them',
        ),
        (
            '{w}/checkpoints',
            'finetune,scratch,smoke',
            {},
            "config.init_from='{w}/checkpoints' is neither a transformers checkpoint nor a "
            'seqlab run ({w}/checkpoints/config.json does not exist); allowed: '
            "'' (random), 'hf:<dir>', '<workdir>', '<workdir>@<step>', '<workdir>@best'",
        ),
    ],
    ids=['model-field', 'step', 'two-sources', 'not-a-run'],
)
def test_bad_init_from_is_one_line(pretrained, spec, variant, more, message):
    with pytest.raises(ConfigError) as error:
        classifier(spec.format(w=pretrained), variant, **more)
    assert str(error.value) == message.format(w=pretrained)


def test_another_model_is_refused(pretrained):
    with pytest.raises(ConfigError) as error:
        launcher.load_config(f'{GPT}:smoke', {'init_from': pretrained})
    assert str(error.value) == (
        f"config.model.name='gpt' contradicts config.init_from='{pretrained}' (model 'bert'); "
        "allowed: 'bert'"
    )


def test_a_step_not_kept_is_one_line(pretrained, tmp_path):
    run = loop.Run(classifier(f'{pretrained}@3'), str(tmp_path))
    with pytest.raises(ConfigError, match=r'config.init.step=3 is not saved in .*; allowed: '
                       r'0 \(the latest\), 2, 4'):  # fmt: skip
        run.initial_state()


def test_best_needs_the_metric_in_the_runs_records(pretrained, tmp_path):
    copy = shutil.copytree(pretrained, tmp_path / 'copy')
    (copy / 'metrics.jsonl').write_text('')
    with pytest.raises(ConfigError) as error:
        classifier(f'{copy}@best')
    assert str(error.value) == (
        f"config.init_from='{copy}@best': no kept step of {copy} has 'eval/loss' in "
        f"metrics.jsonl; allowed: '{copy}@<step>' with one of [2, 4]"
    )


def test_a_transformers_checkpoint_replaces_the_config_files_source(tmp_path):
    model = BERT(vocab_size=300, width=16, depth=2, heads=2, mlp_dim=32, max_length=16)
    shapes = jax.eval_shape(model.init, jax.random.PRNGKey(0), np.zeros((1, 16), np.int32))
    interop.to_transformers(model, jax.tree.map(lambda s: np.zeros(s.shape), shapes), str(tmp_path))
    config = classifier(f'hf:{tmp_path}', 'finetune,smoke')  # its config.init names a workdir
    assert not config.init


def test_a_source_sharing_no_parameter_is_one_line(pretrained, tmp_path):
    config = launcher.load_config(f'{GPT}:smoke', {})
    config.init = {'workdir': pretrained}  # whole model: a BERT run for a GPT
    run = loop.Run(config, str(tmp_path))
    with pytest.raises(ConfigError) as error:
        run.initial_state()
    assert str(error.value).startswith(
        f"config.init.workdir='{pretrained}' (step 4) has no parameter of this model (same path "
        'and shape); its parameters: embeddings, embeddings/norm'
    )


def test_an_unresolved_workdir_is_refused_not_ignored(pretrained, tmp_path):
    config = classifier('')
    config.init_from = pretrained  # set after load_config: configure never saw it
    with pytest.raises(ConfigError) as error:
        loop.Run(config, str(tmp_path)).initial_state()
    assert str(error.value) == (
        f"config.init_from='{pretrained}' was not resolved into config.init; allowed: a config "
        'from seqlab.launcher.load_config (or seqlab.train.init_from.configure)'
    )
