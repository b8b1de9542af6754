"""Each figure function writes a PNG of its documented size that draws the data it was given (the
images and lines of the saved figure are read back and compared); the helpers behind them
(attention weights, first convolution, receptive field) compute the right things."""

import struct

import hypothesis.strategies as st
import jax
import numpy as np
import pytest
from hypothesis import given, settings
from matplotlib.figure import Figure

from seqlab.figures import attention, curves, filters, position, receptive_field, spectrogram
from seqlab.layers.conv import receptive_field as conv_receptive_field
from seqlab.layers.position import sinusoidal
from seqlab.layers.transformer import stack_blocks
from seqlab.models.spec_cnn import SpecCNN
from seqlab.models.vit import ViT


def png_size(path: str) -> tuple[int, int]:
    with open(path, 'rb') as f:
        header = f.read(24)
    assert header[:8] == b'\x89PNG\r\n\x1a\n'
    return struct.unpack('>II', header[16:24])


@pytest.fixture
def drawn(monkeypatch) -> list[Figure]:
    """The figures saved during a test, in order, to read back what they draw."""
    saved, savefig = [], Figure.savefig

    def record(fig, *args, **kwargs):
        saved.append(fig)
        return savefig(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, 'savefig', record)
    return saved


def drawn_images(fig: Figure) -> list[np.ndarray]:
    """The arrays of the figure's images, panel by panel (hidden panels skipped)."""
    return [np.asarray(i.get_array()) for ax in fig.axes if ax.get_visible() for i in ax.images]


def test_curves_one_panel_per_metric_one_line_per_run(tmp_path, drawn):
    runs = {
        'a': [{'step': 1, 'train/loss': 2.0}, {'step': 2, 'train/loss': 1.0, 'eval/accuracy': 0.5}],
        'b': [{'step': 1, 'train/loss': 2.5, 'train/lr': 1e-3}],
    }
    assert curves.metric_names(runs) == ['train/loss', 'train/lr', 'eval/accuracy']
    path = curves.plot_curves(runs, str(tmp_path / 'c.png'))
    assert png_size(path) == curves.size(3) == (900, 250)
    lines = {
        (ax.get_title(), line.get_label()): (list(line.get_xdata()), list(line.get_ydata()))
        for ax in drawn[0].axes
        for line in ax.lines
    }
    assert lines == {
        ('train/loss', 'a'): ([1, 2], [2.0, 1.0]),
        ('train/loss', 'b'): ([1], [2.5]),
        ('train/lr', 'b'): ([1], [1e-3]),
        ('eval/accuracy', 'a'): ([2], [0.5]),
    }
    with pytest.raises(ValueError, match='no metrics to plot'):
        curves.plot_curves({'empty': []}, str(tmp_path / 'e.png'))


def test_attention_weights_per_layer_and_head_in_layer_order(tmp_path, drawn):
    model = ViT(num_classes=3, patch=4, width=8, depth=11, heads=2, mlp_dim=8, scan=False)
    images = np.random.default_rng(0).normal(size=(2, 8, 8, 1)).astype(np.float32)
    params = model.init(jax.random.key(0), images)['params']
    layers = attention.attention_weights(model, params, (images,))
    assert [name for name, _ in layers] == [f'encoder/blocks_{i}/attention' for i in range(11)]
    for _, weights in layers:
        assert weights.shape == (2, 5, 5)  # heads, (cls + 4 patches) queries and keys
        np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-5)
    assert not np.allclose(layers[0][1], layers[1][1])
    # without the collection the outputs are the same
    np.testing.assert_array_equal(
        model.apply({'params': params}, images),
        model.apply({'params': params}, images, mutable=['intermediates'])[0],
    )
    # a scanned model's stacked parameters give the same maps
    stacked = {**params, 'encoder': stack_blocks(params['encoder'], 11)}
    scanned = attention.attention_weights(model.clone(scan=True), stacked, (images,))
    for (name, weights), (scanned_name, scanned_weights) in zip(layers, scanned, strict=True):
        assert name == scanned_name
        np.testing.assert_allclose(weights, scanned_weights, rtol=1e-6)
    path = attention.plot_attention(layers[:2], str(tmp_path / 'a.png'))
    assert png_size(path) == attention.size(2, 2) == (400, 400)
    expected = [weights[head] for _, weights in layers[:2] for head in range(2)]  # row-major
    for got, want in zip(drawn_images(drawn[0]), expected, strict=True):
        np.testing.assert_array_equal(got, want)


def test_positional_encoding_figure(tmp_path, drawn):
    path = position.plot_positional_encoding(16, 8, str(tmp_path / 'p.png'))
    assert png_size(path) == position.size() == (800, 350)
    encoding, gram = drawn_images(drawn[0])
    np.testing.assert_array_equal(encoding, sinusoidal(16, 8))
    np.testing.assert_allclose(gram, encoding @ encoding.T, rtol=1e-6)


def test_first_convolution_of_spec_cnn_and_its_filters(tmp_path, drawn):
    model = SpecCNN(num_classes=3, channels=(4, 8), head='clip')
    spectrogram_input = np.zeros((1, 16, 20), np.float32)
    params = model.init(jax.random.key(0), spectrogram_input)['params']
    name, kernel = filters.first_conv_kernel(model, params, (spectrogram_input,))
    assert name == 'conv_0_0'
    np.testing.assert_array_equal(kernel, params['conv_0_0']['kernel'])
    path = filters.plot_filters(kernel, str(tmp_path / 'f2.png'), name)
    assert png_size(path) == filters.size(kernel.shape) == (480, 120)
    drawn_filters = drawn_images(drawn[0])
    assert len(drawn_filters) == kernel.shape[-1] == 4
    for index, image in enumerate(drawn_filters):  # each [kh, kw, 1] filter scaled to [0, 1]
        weights = np.asarray(kernel[..., 0, index])
        low, high = weights.min(), weights.max()
        np.testing.assert_allclose(image, (weights - low) / (high - low), atol=1e-6)


def test_one_dimensional_filters(tmp_path, drawn):
    waveform_kernel = np.random.default_rng(0).normal(size=(9, 1, 20))
    path = filters.plot_filters(waveform_kernel, str(tmp_path / 'f1.png'))
    assert png_size(path) == filters.size(waveform_kernel.shape) == (960, 360)
    curves_drawn = [ax.lines[0].get_ydata() for ax in drawn[0].axes if ax.lines]
    assert len(curves_drawn) == min(20, filters.MAX_FILTERS)
    for index, curve in enumerate(curves_drawn):
        np.testing.assert_array_equal(curve, waveform_kernel[:, 0, index])
    text_kernel = np.random.default_rng(0).normal(size=(3, 5, 2))
    assert png_size(filters.plot_filters(text_kernel, str(tmp_path / 'ft.png'))) == (240, 120)
    with pytest.raises(ValueError, match='expected'):
        filters.plot_filters(np.zeros((3, 4)), str(tmp_path / 'bad.png'))


def test_spectrogram_with_frame_predictions(tmp_path, drawn):
    rng = np.random.default_rng(0)
    probabilities = np.asarray(jax.nn.softmax(rng.normal(size=(30, 4)), axis=-1))
    log_mel = rng.normal(size=(10, 30))
    path = spectrogram.plot_frame_predictions(
        log_mel, probabilities, str(tmp_path / 's.png'), list('abcd')
    )
    assert png_size(path) == spectrogram.size() == (800, 500)
    drawn_log_mel, frame_probabilities = drawn_images(drawn[0])
    np.testing.assert_array_equal(drawn_log_mel, log_mel)
    np.testing.assert_array_equal(frame_probabilities, probabilities.T)
    (points,) = drawn[0].axes[1].lines
    np.testing.assert_array_equal(points.get_ydata(), probabilities.argmax(-1))
    with pytest.raises(ValueError, match='frames'):
        spectrogram.plot_frame_predictions(np.zeros((10, 30)), np.zeros((29, 4)), 'unused.png')


@settings(max_examples=30, deadline=None)
@given(
    kernel_size=st.integers(2, 4),
    dilations=st.lists(st.sampled_from([1, 2, 4, 8]), min_size=1, max_size=4),
    causal=st.booleans(),
)
def test_reached_positions_span_the_receptive_field(kernel_size, dilations, causal):
    layers = receptive_field.reached(kernel_size, dilations, causal)
    inputs = layers[0]
    assert len(layers) == len(dilations) + 1 and layers[-1] == {0}
    assert max(inputs) - min(inputs) + 1 == conv_receptive_field(
        [kernel_size] * len(dilations), dilations=dilations
    )
    if causal:
        assert max(inputs) == 0


def test_receptive_field_figure(tmp_path, drawn):
    signal = np.sin(np.arange(64) / 3.0)
    path = receptive_field.plot_receptive_field(2, [1, 2, 4, 8], signal, str(tmp_path / 'r.png'))
    assert png_size(path) == receptive_field.size() == (800, 500)
    tree, below = drawn[0].axes
    levels = [set(line.get_xdata()) for line in tree.lines]  # one row of dots per layer
    assert levels == receptive_field.reached(2, [1, 2, 4, 8], causal=True)
    (shown,) = below.lines  # the input's last 16 positions (the receptive field), ending at 0
    np.testing.assert_array_equal(shown.get_xdata(), np.arange(-15, 1))
    np.testing.assert_allclose(shown.get_ydata(), signal[-16:].astype(np.float32))
