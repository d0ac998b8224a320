"""ag.nn's image layers without PyTorch (the oracle is in test_conv_torch.py), loading images
with flatten=False, and the catalogue in docs/errors.md quoting every new error as it is."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_docs import _catalogue_lines, output_matches

import autograd_lite as ag

ROOT = Path(__file__).resolve().parents[1]


def test_conv2d_layer_shapes_init_and_gradients():
    rng = np.random.default_rng(0)
    layer = ag.nn.Conv2d(3, 8, (3, 2), stride=(2, 1), pad=1, rng=rng)
    assert layer.W.shape == (8, 3, 3, 2) and layer.b.shape == (8,) and not layer.b.data.any()
    big = ag.nn.Conv2d(16, 64, 3, rng=np.random.default_rng(1))
    assert np.std(big.W.data) == pytest.approx(np.sqrt(2 / (16 * 9)), rel=0.05)  # He
    x = rng.normal(size=(2, 3, 7, 6))
    y = layer(x)
    assert y.shape == (2, 8, 4, 7) and y.node.label == "Convolution" and y.node.scope == ""
    assert ag.nn.Conv2d(3, 2, 3, bias=False, rng=rng).b is None
    v = rng.normal(size=y.shape)
    report = ag.gradcheck(lambda x, W, b: (ag.conv2d(x, W, b, stride=(2, 1), pad=1) * v).sum(),
                          [x, layer.W.data, layer.b.data])
    assert report.ok, report
    book_conv = ag.book.Convolution(layer.W.data, layer.b.data, stride=(2, 1), pad=1)
    assert ag.check_layer(book_conv, x).ok
    assert ag.check_layer(ag.book.Pooling(2, 2, stride=2), np.linspace(-1, 1, 84).reshape(
        1, 2, 7, 6)).ok


def test_layers_in_sequential_train_and_save(tmp_path):
    rng = np.random.default_rng(0)
    nn = ag.nn
    model = nn.Sequential(nn.Conv2d(1, 4, 3, pad=1, rng=rng), nn.BatchNorm2d(4), nn.ReLU(),
                          nn.MaxPool2d(2), nn.AvgPool2d(2, stride=1), nn.Flatten(),
                          nn.Affine(4 * 3 * 3, 3, rng=rng))
    x, t = rng.normal(size=(6, 1, 8, 8)), rng.integers(0, 3, size=6)
    opt = ag.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(30):
        loss = ag.softmax_with_loss(model(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    keys = set(model.state_dict())
    assert {"Conv2d1.W", "Conv2d1.b", "BatchNorm2d1.running_mean", "Affine1.W"} <= keys
    model.save(tmp_path / "m.npz")
    model.eval()
    before = model(x).data
    other = nn.Sequential(nn.Conv2d(1, 4, 3, pad=1), nn.BatchNorm2d(4), nn.ReLU(),
                          nn.MaxPool2d(2), nn.AvgPool2d(2, stride=1), nn.Flatten(),
                          nn.Affine(4 * 3 * 3, 3))
    other.load(tmp_path / "m.npz")
    other.eval()
    np.testing.assert_allclose(other(x).data, before, rtol=1e-12)


def test_batchnorm2d_normalises_each_channel_over_batch_and_space():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 3, 5, 5)) * np.array([1.0, 5.0, 0.2]).reshape(1, 3, 1, 1) + 3.0
    layer = ag.nn.BatchNorm2d(3)
    y = layer(x).data
    mu = x.mean(axis=(0, 2, 3), keepdims=True)  # the formula, per channel
    var = x.var(axis=(0, 2, 3), keepdims=True)
    np.testing.assert_allclose(y, (x - mu) / np.sqrt(var + 1e-6), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.running_mean, 0.1 * mu.ravel(), rtol=1e-12)
    v = rng.normal(size=(2, 3, 3, 3))
    assert ag.gradcheck(lambda x: (ag.nn.BatchNorm2d(3)(x) * v).sum(), [x[:2, :, :3, :3]]).ok
    with pytest.raises(ag.ShapeError, match=r"BatchNorm2d: x has shape \(5, 3, 4, 4\) \(3 "
                       r"channels\); the layer was built with num_features=8"):
        ag.nn.BatchNorm2d(8)(np.zeros((5, 3, 4, 4)))


def test_layer_arguments_are_checked():
    with pytest.raises(ag.InvalidArgumentError, match="Conv2d: kernel_size must be"):
        ag.nn.Conv2d(1, 2, 0)
    with pytest.raises(ag.InvalidArgumentError, match="Conv2d: in_channels must be"):
        ag.nn.Conv2d(0, 2, 3)
    with pytest.raises(ag.InvalidArgumentError, match="MaxPool2d: stride must be"):
        ag.nn.MaxPool2d(2, stride=-1)
    with pytest.raises(ag.ShapeError, match=r"Convolution: x has shape \(1, 2, 5, 5\)"):
        ag.nn.Conv2d(3, 2, 3, rng=np.random.default_rng(0))(np.zeros((1, 2, 5, 5)))


def test_load_digits_and_mnist_give_images_with_flatten_false(tmp_path):
    pytest.importorskip("sklearn")
    (x, t), (xt, tt) = ag.data.load_digits(flatten=False)
    (xf, _), _ = ag.data.load_digits(flatten=True)
    assert x.shape == (1438, 1, 8, 8) and xt.shape == (359, 1, 8, 8)
    np.testing.assert_array_equal(x.reshape(len(x), -1), xf)
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    test = rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    labels = (rng.integers(0, 10, size=5).astype(np.uint8), rng.integers(0, 10, size=3))
    np.savez(tmp_path / "mnist.npz", x_train=train, y_train=labels[0], x_test=test,
             y_test=labels[1])  # the (N, 28, 28) uint8 layout of Keras' mnist.npz
    (x, _), (xt, _) = ag.data.load_mnist(tmp_path / "mnist.npz", flatten=False)
    assert x.shape == (5, 1, 28, 28) and xt.shape == (3, 1, 28, 28)
    np.testing.assert_allclose(x[:, 0], train / 255.0, rtol=1e-6)


ERRORS = [
    lambda: ag.conv2d(np.zeros((2, 2, 5, 4)), np.zeros((3, 1, 3, 2))),
    lambda: ag.conv2d(np.zeros((2, 2, 5, 4)), np.zeros((3, 2, 9, 2))),
    lambda: ag.conv2d(np.zeros((2, 5, 4)), np.zeros((3, 2, 3, 2))),
    lambda: ag.conv2d(np.zeros((2, 2, 5, 4)), np.zeros((3, 2, 3, 2)), np.zeros(2)),
    lambda: ag.conv_transpose2d(np.zeros((2, 2, 5, 4)), np.zeros((3, 2, 3, 2))),
    lambda: ag.conv_transpose2d(np.zeros((1, 2, 2, 2)), np.zeros((2, 3, 2, 2)), pad=3),
    lambda: ag.max_pool2d(np.zeros((2, 2, 5, 4)), 6),
    lambda: ag.col2im(np.zeros((3, 3)), (2, 2, 5, 4), 2, 2),
    lambda: ag.col2im(np.zeros((3, 3)), (2, 3), 2, 2),
    lambda: ag.sum_to(np.zeros((2, 3)), (4,)),
    lambda: ag.conv2d(np.zeros((2, 2, 5, 4)), np.zeros((3, 2, 3, 2)), stride=0),
    lambda: ag.conv2d(np.zeros((2, 2, 5, 4)), np.zeros((3, 2, 3, 2)), pad=-1),
    lambda: ag.max_pool2d(np.zeros((2, 2, 5, 4)), 0),
    lambda: ag.max_pool2d(np.zeros((2, 2, 5, 4)), 2, pad=2),
]


@pytest.mark.parametrize("call", ERRORS)
def test_the_error_catalogue_quotes_each_new_message(call):
    with pytest.raises(ag.AutogradLiteError) as info:
        call()
    message = str(info.value)
    assert any(output_matches(line, message) for line in _catalogue_lines()), message
