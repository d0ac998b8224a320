"""ag.book layer classes: the book's forward/backward(dout) calling style and attributes, with
values checked against the book's formulas written out in NumPy here."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_lite import book
from autograd_lite.errors import BackwardError, InvalidArgumentError


def test_buy_apple_with_mul_layers():
    apple, apple_num, tax = 100, 2, 1.1
    mul_apple_layer, mul_tax_layer = book.MulLayer(), book.MulLayer()
    apple_price = mul_apple_layer.forward(apple, apple_num)
    price = mul_tax_layer.forward(apple_price, tax)
    assert price == pytest.approx(220.0)
    dapple_price, dtax = mul_tax_layer.backward(1)
    dapple, dapple_num = mul_apple_layer.backward(dapple_price)
    assert isinstance(dapple, float)
    assert (dapple, dapple_num, dtax) == pytest.approx((2.2, 110.0, 200.0))


def test_buy_apple_orange_with_add_layer():
    mul_apple, mul_orange, add, mul_tax = (book.MulLayer(), book.MulLayer(), book.AddLayer(),
                                           book.MulLayer())  # fmt: skip
    apple_price = mul_apple.forward(100, 2)
    orange_price = mul_orange.forward(150, 3)
    all_price = add.forward(apple_price, orange_price)
    price = mul_tax.forward(all_price, 1.1)
    assert price == pytest.approx(715.0)
    dall_price, dtax = mul_tax.backward(1)
    dapple_price, dorange_price = add.backward(dall_price)
    dorange, dorange_num = mul_orange.backward(dorange_price)
    dapple, dapple_num = mul_apple.backward(dapple_price)
    assert (dapple_num, dapple, dorange, dorange_num, dtax) == pytest.approx(
        (110.0, 2.2, 3.3, 165.0, 650.0))


def test_affine_forward_backward_and_attributes():
    rng = np.random.default_rng(0)
    W, b = rng.normal(size=(12, 4)), rng.normal(size=4)
    layer = book.Affine(W, b)
    x = rng.normal(size=(3, 2, 2, 3))  # image-shaped: flattened to (3, 12) as in the book
    out = layer.forward(x)
    x2 = x.reshape(3, -1)
    np.testing.assert_allclose(out, x2 @ W + b)
    dout = rng.normal(size=(3, 4))
    dout_copy = dout.copy()
    dx = layer.backward(dout)
    np.testing.assert_allclose(dx, (dout @ W.T).reshape(x.shape))
    np.testing.assert_allclose(layer.dW, x2.T @ dout)
    np.testing.assert_allclose(layer.db, dout.sum(axis=0))
    np.testing.assert_array_equal(dout, dout_copy)
    W -= 1.0  # the layer holds the caller's arrays, as the book's does
    np.testing.assert_allclose(layer.forward(x2), x2 @ W + b)


def test_relu_and_sigmoid():
    x = np.array([[1.0, -0.5], [-2.0, 3.0]])
    relu = book.Relu()
    np.testing.assert_array_equal(relu.forward(x), [[1.0, 0.0], [0.0, 3.0]])
    np.testing.assert_array_equal(relu.mask, x <= 0)
    dout = np.ones_like(x)
    np.testing.assert_array_equal(relu.backward(dout), [[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(dout, np.ones_like(x))  # dout is never written into
    sig = book.Sigmoid()
    y = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(sig.forward(x), y)
    np.testing.assert_allclose(sig.out, y)
    np.testing.assert_allclose(sig.backward(dout * 2), 2 * y * (1 - y))


@pytest.mark.parametrize("one_hot", [False, True])
def test_softmax_with_loss(one_hot):
    rng = np.random.default_rng(1)
    x, labels = rng.normal(size=(4, 5)), np.array([0, 3, 4, 1])
    t = np.eye(5)[labels] if one_hot else labels
    layer = book.SoftmaxWithLoss()
    loss = layer.forward(x, t)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    y = e / e.sum(axis=1, keepdims=True)
    # the book's cross_entropy_error: the 1e-7 inside the log (7e-7 relative here)
    assert loss == pytest.approx(-np.sum(np.log(y[np.arange(4), labels] + 1e-7)) / 4, rel=1e-12)
    assert layer.loss == loss and layer.t is t
    np.testing.assert_allclose(layer.y, y)
    np.testing.assert_allclose(layer.backward(), (y - np.eye(5)[labels]) / 4, atol=1e-15)


def test_dropout_layer_is_the_books():
    layer = book.Dropout(0.4, rng=np.random.default_rng(0))
    x = np.ones((100, 20))
    out = layer.forward(x)
    np.testing.assert_array_equal(out, x * layer.mask)  # no rescaling, as the book
    assert 0.5 < layer.mask.mean() < 0.7
    dout = np.full_like(x, 3.0)
    np.testing.assert_array_equal(layer.backward(dout), dout * layer.mask)
    np.testing.assert_allclose(layer.forward(x, train_flg=False), x * 0.6)
    with pytest.raises(InvalidArgumentError, match="dropout_ratio"):
        book.Dropout(1.0)


class RefBatchNorm:
    """The book's BatchNormalization formulas, step by step (2-D input)."""

    def __init__(self, gamma, beta, momentum=0.9):
        self.gamma, self.beta, self.momentum = gamma, beta, momentum
        self.running_mean = self.running_var = None

    def forward(self, x, train_flg=True):
        if self.running_mean is None:
            self.running_mean, self.running_var = np.zeros(x.shape[1]), np.zeros(x.shape[1])
        if train_flg:
            mu = x.mean(axis=0)
            xc = x - mu
            var = np.mean(xc**2, axis=0)
            std = np.sqrt(var + 10e-7)
            xn = xc / std
            self.batch_size, self.xc, self.xn, self.std = x.shape[0], xc, xn, std
            self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mu
            self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
        else:
            xn = (x - self.running_mean) / np.sqrt(self.running_var + 10e-7)
        return self.gamma * xn + self.beta

    def backward(self, dout):
        dbeta = dout.sum(axis=0)
        dgamma = np.sum(self.xn * dout, axis=0)
        dxn = self.gamma * dout
        dxc = dxn / self.std
        dstd = -np.sum((dxn * self.xc) / (self.std * self.std), axis=0)
        dvar = 0.5 * dstd / self.std
        dxc += (2.0 / self.batch_size) * self.xc * dvar
        dmu = np.sum(dxc, axis=0)
        dx = dxc - dmu / self.batch_size
        return dx, dgamma, dbeta


def test_batch_normalization_matches_the_books_formulas():
    rng = np.random.default_rng(2)
    gamma, beta = rng.uniform(0.5, 2, 4), rng.normal(size=4)
    ours, ref = book.BatchNormalization(gamma, beta), RefBatchNorm(gamma, beta)
    for _ in range(3):
        x = rng.normal(1.0, 2.0, size=(6, 4))
        np.testing.assert_allclose(ours.forward(x), ref.forward(x), rtol=1e-12)
        dout = rng.normal(size=(6, 4))
        dx, dgamma, dbeta = ref.backward(dout)
        np.testing.assert_allclose(ours.backward(dout), dx, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ours.dgamma, dgamma, rtol=1e-12)
        np.testing.assert_allclose(ours.dbeta, dbeta, rtol=1e-12)
    np.testing.assert_allclose(ours.running_mean, ref.running_mean, rtol=1e-12)
    np.testing.assert_allclose(ours.running_var, ref.running_var, rtol=1e-12)
    x = rng.normal(size=(3, 4))
    np.testing.assert_allclose(ours.forward(x, train_flg=False), ref.forward(x, False),
                               rtol=1e-12)


def test_batch_normalization_flattens_image_shaped_input():
    rng = np.random.default_rng(3)
    layer = book.BatchNormalization(np.ones(6), np.zeros(6))
    x = rng.normal(size=(5, 2, 3))
    out = layer.forward(x)
    assert out.shape == x.shape
    assert layer.backward(np.ones_like(out)).shape == x.shape


def test_backward_before_forward_is_a_clear_error():
    with pytest.raises(BackwardError, match=r"Relu.backward: call forward\(\) first"):
        book.Relu().backward(np.ones(2))


def test_backward_can_run_twice_like_the_books_layers():
    layer = book.Sigmoid()
    layer.forward(np.array([0.0, 1.0]))
    first = layer.backward(np.ones(2))
    np.testing.assert_array_equal(layer.backward(np.ones(2)), first)  # no accumulation


def test_a_two_layer_net_built_from_the_layers_like_chapter_5():
    # The book's two_layer_net.py builds its network from these layer classes.
    rng = np.random.default_rng(4)
    params = {"W1": 0.5 * rng.normal(size=(6, 5)), "b1": np.zeros(5),
              "W2": 0.5 * rng.normal(size=(5, 3)), "b2": np.zeros(3)}  # fmt: skip
    layers = [book.Affine(params["W1"], params["b1"]), book.Relu(),
              book.Affine(params["W2"], params["b2"])]  # fmt: skip
    last = book.SoftmaxWithLoss()
    x, t = rng.normal(size=(4, 6)), np.array([0, 2, 1, 2])

    def loss(_=None):
        h = x
        for layer in layers:
            h = layer.forward(h)
        return last.forward(h, t)

    def exact_loss(_=None):
        # cross-entropy without the book's 1e-7, whose exact gradient backward returns (as
        # the book's SoftmaxWithLoss.backward, (y - t) / N, ignores the 1e-7 too)
        h = x
        for layer in layers:
            h = layer.forward(h)
        shifted = h - h.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -np.mean(log_probs[np.arange(4), t])

    loss()
    dout = last.backward(1)
    for layer in reversed(layers):
        dout = layer.backward(dout)
    grads = {"W1": layers[0].dW, "b1": layers[0].db, "W2": layers[2].dW, "b2": layers[2].db}
    for key, value in params.items():
        numeric = book.numerical_gradient(exact_loss, value)
        assert np.mean(np.abs(grads[key] - numeric)) < 1e-9
