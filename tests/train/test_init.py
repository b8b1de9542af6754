"""`--config.init.source=<workdir>`: a fresh run starts from a seqlab run's checkpoint.

`configs/bert.py:smoke` pre-trains; the fine-tuning classifier (`:finetune,scratch,smoke`, no
config.init of its own) starts from it through config.init.source alone: every parameter with the
same path and shape loaded (embeddings, encoder), the classifier re-initialised and named in the
log, the masked-LM head named as unused, at step 0 with a fresh optimizer state. `@<step>` and
`@best` pick a kept step; `:finetune,smoke`'s own source is replaced (a transformers checkpoint
too); a model field that differs from the source run's, another model, a step not kept and a
directory that is no run are one-line errors when the config is loaded; the removed key
config.init_from is an unknown key.
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
from seqlab.train import checkpoint, init, loop
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


def classifier(source: str, variant: str = 'finetune,scratch,smoke', **more: str):
    return launcher.load_config(f'{CONFIG}:{variant}', {**SHORT, 'init.source': source, **more})


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
    where = f"config.init.source='{pretrained}' (step 4)"
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
    assert init.resolve(classifier(f'{pretrained}@2')).run.step == 2
    with open(os.path.join(pretrained, 'metrics.jsonl')) as f:
        losses = {r['step']: r['eval/loss'] for r in map(json.loads, f) if 'eval/loss' in r}
    assert init.resolve(classifier(f'{pretrained}@best')).run.step == min(losses, key=losses.get)
    start = flat(loop.Run(classifier(f'{pretrained}@2'), str(tmp_path)).initial_state().params)
    np.testing.assert_array_equal(
        start['encoder/blocks/mlp/hidden/kernel'],
        saved_params(pretrained, 2)['encoder/blocks/mlp/hidden/kernel'],
    )


def test_the_config_files_source_is_replaced(pretrained):
    config = classifier(pretrained, 'finetune,smoke')  # its config.init names runs/bert_smoke
    resolved = init.resolve(config)
    assert (resolved.run.workdir, resolved.run.step) == (pretrained, 4)
    assert resolved.params == {'embeddings': 'embeddings', 'encoder': 'encoder'}


@pytest.mark.parametrize(
    'spec, variant, more, message',
    [
        (
            '{w}',
            'finetune,scratch,smoke',
            {'model.kwargs.mlp_dim': '24'},
            "config.model.kwargs.mlp_dim=24 contradicts config.init.source='{w}' (mlp_dim=32); "
            'allowed: 32',
        ),
        (
            '{w}@two',
            'finetune,scratch,smoke',
            {},
            "config.init.source='{w}@two': 'two' is not a step; allowed: '{w}', "
            "'{w}@<step>' (a positive int), '{w}@best'",
        ),
        (
            '{w}/checkpoints',
            'finetune,scratch,smoke',
            {},
            "config.init.source='{w}/checkpoints' is neither a transformers checkpoint nor a "
            'seqlab run ({w}/checkpoints/config.json does not exist); allowed: '
            "'' (random), 'hf:<dir>', '<workdir>', '<workdir>@<step>', '<workdir>@best'",
        ),
        (
            '{w}@3',
            'finetune,scratch,smoke',
            {},
            "config.init.source='{w}@3': step 3 is not saved in {w}/checkpoints; allowed: 2, 4 "
            '(or no @<step>: the latest)',
        ),
    ],
    ids=['model-field', 'step', 'not-a-run', 'step-not-kept'],
)
def test_bad_source_is_one_line_when_the_config_is_loaded(pretrained, spec, variant, more, message):
    with pytest.raises(ConfigError) as error:
        classifier(spec.format(w=pretrained), variant, **more)
    assert str(error.value) == message.format(w=pretrained)


def test_another_model_is_refused(pretrained):
    with pytest.raises(ConfigError) as error:
        launcher.load_config(f'{GPT}:smoke', {'init.source': pretrained})
    assert str(error.value) == (
        f"config.model.name='gpt' contradicts config.init.source='{pretrained}' (model 'bert'); "
        "allowed: 'bert'"
    )


def test_best_needs_the_metric_in_the_runs_records(pretrained, tmp_path):
    copy = shutil.copytree(pretrained, tmp_path / 'copy')
    (copy / 'metrics.jsonl').write_text('')
    with pytest.raises(ConfigError) as error:
        classifier(f'{copy}@best')
    assert str(error.value) == (
        f"config.init.source='{copy}@best': no kept step of {copy} has 'eval/loss' in "
        f"metrics.jsonl; allowed: '{copy}@<step>' with one of [2, 4]"
    )


def test_a_transformers_checkpoint_replaces_the_config_files_source(tmp_path):
    model = BERT(vocab_size=300, width=16, depth=2, heads=2, mlp_dim=32, max_length=16)
    shapes = jax.eval_shape(model.init, jax.random.PRNGKey(0), np.zeros((1, 16), np.int32))
    interop.to_transformers(model, jax.tree.map(lambda s: np.zeros(s.shape), shapes), str(tmp_path))
    config = classifier(f'hf:{tmp_path}', 'finetune,smoke')  # its config.init names a workdir
    resolved = init.resolve(config)
    assert (resolved.run, resolved.hf_dir) == (None, str(tmp_path))


def test_a_source_sharing_no_parameter_is_one_line(pretrained, tmp_path):
    config = launcher.load_config(f'{GPT}:smoke', {})
    source = shutil.copytree(pretrained, tmp_path / 'source')  # a BERT run ...
    with open(source / 'config.json', 'w') as f:  # ... whose config.json names this GPT
        f.write(config.to_json())
    config.init.source = str(source)
    run = loop.Run(config, str(tmp_path / 'run'))
    with pytest.raises(ConfigError) as error:
        run.initial_state()
    assert str(error.value).startswith(
        f"config.init.source='{source}' (step 4) has no parameter of this model (same path "
        'and shape); its parameters: embeddings, embeddings/norm'
    )


def test_a_source_set_after_loading_is_applied_not_ignored(pretrained, tmp_path):
    config = classifier('')
    config.init.source = pretrained  # set after load_config: the run resolves it again
    start = flat(loop.Run(config, str(tmp_path)).initial_state().params)
    np.testing.assert_array_equal(
        start['encoder/blocks/mlp/hidden/kernel'],
        saved_params(pretrained, 4)['encoder/blocks/mlp/hidden/kernel'],
    )
    config.init.source = f'{pretrained}@two'
    with pytest.raises(ConfigError, match="config.init.source='.*@two': 'two' is not a step"):
        loop.Run(config, str(tmp_path)).initial_state()


def test_the_removed_init_from_key_is_an_unknown_key(pretrained):
    with pytest.raises(ConfigError) as error:
        classifier('', init_from=pretrained)
    assert str(error.value).startswith('config.init_from does not exist; allowed here: ')
    assert ', init, ' in str(error.value)
