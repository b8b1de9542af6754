"""Transfer learning end to end: `configs/bert.py:smoke` pre-trains, `:finetune,smoke` starts its
embeddings and encoder from that checkpoint (the classifier fresh), frozen parameters stay
bitwise equal while the others train, a resumed run ignores config.init (its source is never
read), and bad init paths, shapes and steps are one-line ConfigErrors naming what is allowed."""

import os
import shutil

import jax
import numpy as np
import pytest
from flax import traverse_util

from seqlab import launcher
from seqlab.config import ConfigError
from seqlab.data.tokenizers import NUM_SPECIAL, load_tokenizer
from seqlab.train import checkpoint, loop
from tests.conftest import REPO
from tests.train.conftest import SHORT

CONFIG = os.path.join(REPO, 'configs', 'bert.py')
DEVICE = jax.sharding.SingleDeviceSharding(jax.devices()[0])


def flat(params) -> dict:
    return traverse_util.flatten_dict(jax.device_get(params), sep='/')


def source_params(workdir: str) -> dict:
    directory = os.path.join(workdir, 'checkpoints')
    step = checkpoint.saved_steps(directory)[-1]
    shapes = checkpoint.saved_shapes(directory, step)
    abstract = {
        path: jax.ShapeDtypeStruct(tuple(shape), np.float32, sharding=DEVICE)
        for path, shape in shapes.items()
        if path.startswith('params/')
    }
    arrays = checkpoint.restore_arrays(directory, step, abstract)
    return {path.removeprefix('params/'): np.asarray(a) for path, a in arrays.items()}


def finetune_config(pretrained: str, **overrides):
    return launcher.load_config(
        f'{CONFIG}:finetune,smoke', {**SHORT, 'init.source': pretrained, **overrides}
    )


def test_finetune_starts_from_the_pretrained_encoder_with_a_fresh_head(pretrained, tmp_path):
    source = source_params(pretrained)
    run = loop.Run(finetune_config(pretrained), str(tmp_path / 'ft'))
    start = flat(run.initial_state().params)
    scratch = flat(loop.Run(launcher.load_config(f'{CONFIG}:finetune,scratch,smoke', SHORT), 'x')
                   .initial_state().params)  # fmt: skip
    transferred = [p for p in start if p.startswith(('embeddings/', 'encoder/'))]
    assert len(transferred) > 10
    for path in transferred:
        np.testing.assert_array_equal(start[path], source[path], err_msg=path)
        assert not np.array_equal(scratch[path], source[path]), path
    assert {p for p in start if p.startswith('classifier/')} == {
        'classifier/kernel',
        'classifier/bias',
    }
    for path in ('classifier/kernel', 'classifier/bias'):
        np.testing.assert_array_equal(start[path], scratch[path])  # fresh: the seed's init


def test_frozen_parameters_stay_bitwise_equal_others_train_and_resume_ignores_init(
    pretrained, tmp_path
):
    workdir = str(tmp_path / 'ft')
    overrides = {'optim.freeze': "('embeddings/.*', 'encoder/blocks/mlp/.*')"}
    launcher.run(f'{CONFIG}:finetune,smoke', {**SHORT, 'init.source': pretrained, **overrides},
                 workdir, 'train')  # fmt: skip
    source = source_params(pretrained)
    trained = source_params(workdir)
    frozen = [p for p in trained if p.startswith(('embeddings/', 'encoder/blocks/mlp/'))]
    moving = [p for p in trained if p.startswith('encoder/') and p not in frozen]
    assert frozen and moving
    for path in frozen:
        np.testing.assert_array_equal(trained[path], source[path], err_msg=path)
    for path in moving:
        assert not np.array_equal(trained[path], source[path]), path
    # Resuming restores the run's own checkpoint; the (now missing) source is never read.
    more = {**SHORT, 'steps': '6', 'init.source': str(tmp_path / 'gone'), **overrides}
    launcher.run(f'{CONFIG}:finetune,smoke', more, workdir, 'train')
    assert checkpoint.saved_steps(os.path.join(workdir, 'checkpoints'))[-1] == 6


@pytest.mark.parametrize(
    'change, message',
    [
        (
            lambda config: config.init.params.update(encoderx='encoder'),
            "config.init.params: 'encoderx' is not a parameter subtree of this model; "
            'allowed: classifier, classifier/bias',
        ),
        (
            lambda config: config.init.params.update(encoder='decoder'),
            "config.init.params.encoder='decoder' is not a parameter subtree of "
            'config.init.source=.* allowed: embeddings, embeddings/norm',
        ),
        (
            lambda config: config.init.params.update(
                {'encoder/blocks/mlp/hidden': 'encoder/blocks/mlp/output'}
            ),
            r"config.init.params.encoder/blocks/mlp/hidden='encoder/blocks/mlp/output': "
            r'encoder/blocks/mlp/hidden/bias has shape \[2, 32\] in this model and '
            r'encoder/blocks/mlp/output/bias has \[2, 16\] in config.init.source=.*; allowed '
            r'\(this model / source\): classifier, ',
        ),
        (
            lambda config: config.init.update(source=config.init.source + '@3'),
            r"config.init.source='.*@3': step 3 is not saved in .*; allowed: 2, 4 \(or no "
            r'@<step>: the latest\)',
        ),
    ],
    ids=['destination', 'source', 'shape', 'step'],
)
def test_bad_init_is_a_one_line_error(pretrained, tmp_path, change, message):
    config = finetune_config(pretrained)
    change(config)
    run = loop.Run(config, str(tmp_path / 'ft'))
    with pytest.raises(ConfigError, match=message) as error:
        run.initial_state()
    assert '\n' not in str(error.value)


def test_a_workdir_without_checkpoints_is_an_error(pretrained, tmp_path):
    (tmp_path / 'empty').mkdir()  # a run that saved its config.json, and no checkpoint yet
    shutil.copy(os.path.join(pretrained, 'config.json'), tmp_path / 'empty')
    with pytest.raises(ConfigError, match=r"config.init.source='.*empty' holds no checkpoint"):
        finetune_config(str(tmp_path / 'empty'))


def test_word_vectors_fill_the_rows_of_their_words(tmp_path):
    config = launcher.load_config(os.path.join(REPO, 'configs', 'text_transformer.py:smoke'), {})
    run = loop.Run(config, str(tmp_path / 'scratch'))
    fresh = flat(run.initial_state().params)['embedding/table']
    words = load_tokenizer(run.plan.splits.info.assets['tokenizer.json']).pieces[:3]
    vectors = np.random.default_rng(0).normal(size=(4, fresh.shape[1])).astype(np.float32)
    lines = [
        f'{w} ' + ' '.join(map(repr, v.tolist()))
        for w, v in zip([*words, 'zzz'], vectors, strict=True)
    ]
    (tmp_path / 'glove.txt').write_text('\n'.join(lines) + '\n', encoding='utf-8')
    config.init.update(word_vectors=str(tmp_path / 'glove.txt'), embedding='embedding/table')
    table = flat(loop.Run(config, str(tmp_path / 'glove')).initial_state().params)
    table = table['embedding/table']
    ids = NUM_SPECIAL + np.arange(3)
    np.testing.assert_array_equal(table[ids], vectors[:3])
    others = np.setdiff1d(np.arange(len(table)), ids)
    np.testing.assert_array_equal(table[others], fresh[others])
    config.init.embedding = 'encoder/blocks/mlp/hidden/bias'
    with pytest.raises(ConfigError, match=r"config.init.embedding='encoder/blocks/mlp/hidden/bias' "
                       r'has shape \[2, 32\]; the vectors need \[>= \d+, 16\]'):  # fmt: skip
        loop.Run(config, str(tmp_path / 'bad')).initial_state()
