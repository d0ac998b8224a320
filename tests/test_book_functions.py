"""ag.book's NumPy helpers (the book's common/functions.py) and the chapter 4 numerical
gradient, checked against the formulas and the book's simpleNet script."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from autograd_lite import book
from autograd_lite.errors import DTypeError, ShapeError


def test_activation_helpers():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(book.step_function(x), [0, 0, 0, 1, 1])
    np.testing.assert_allclose(book.sigmoid(x), 1 / (1 + np.exp(-x)))
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(book.sigmoid_grad(x), s * (1 - s))
    np.testing.assert_array_equal(book.relu(x), np.maximum(x, 0))
    np.testing.assert_array_equal(book.relu_grad(x), [0, 0, 1, 1, 1])
    assert book.identity_function(x) is x
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert book.sigmoid(np.array([-1000.0]))[0] == 0.0  # no overflow warning


def test_softmax_and_losses_follow_the_books_formulas():
    a = np.array([0.3, 2.9, 4.0])
    np.testing.assert_allclose(book.softmax(a), [0.01821127, 0.24519181, 0.73659691], rtol=1e-6)
    batch = np.array([[1010.0, 1000.0, 990.0], [0.0, 1.0, 2.0]])
    y = book.softmax(batch)
    np.testing.assert_allclose(y.sum(axis=1), 1.0)
    t = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    p = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    assert book.mean_squared_error(p, t) == pytest.approx(0.0975)
    assert book.cross_entropy_error(p, t) == pytest.approx(0.510825457099, rel=1e-9)
    labels = np.array([0, 2])
    expected = -np.mean(np.log(y[np.arange(2), labels] + 1e-7))
    assert book.cross_entropy_error(y, labels) == pytest.approx(expected)
    assert book.cross_entropy_error(y, np.eye(3)[labels]) == pytest.approx(expected)
    assert book.softmax_loss(batch, labels) == pytest.approx(expected)
    with pytest.raises(ShapeError, match="t has 3 labels but y has 2 rows"):
        book.cross_entropy_error(y, np.array([0, 1, 2]))


def test_chapter4_simple_net_numerical_gradient():
    # The book's gradient_simplenet.py, with a seeded generator.
    from autograd_lite.book import cross_entropy_error, numerical_gradient, softmax

    class simpleNet:  # noqa: N801 - the book's name
        def __init__(self):
            self.W = np.random.default_rng(0).standard_normal((2, 3))

        def predict(self, x):
            return np.dot(x, self.W)

        def loss(self, x, t):
            z = self.predict(x)
            y = softmax(z)
            loss = cross_entropy_error(y, t)
            return loss

    x = np.array([0.6, 0.9])
    t = np.array([0, 0, 1])
    net = simpleNet()
    W_before = net.W.copy()
    f = lambda w: net.loss(x, t)
    dW = numerical_gradient(f, net.W)
    y = softmax(x @ net.W)
    np.testing.assert_allclose(dW, np.outer(x, y - t), atol=1e-6)  # up to the 1e-7 delta
    np.testing.assert_array_equal(net.W, W_before)  # every value restored


def test_numerical_gradient_restores_values_when_f_raises():
    x = np.array([1.0, 2.0])

    def f(w):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        book.numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])
    with pytest.raises(DTypeError, match="floating-point"):
        book.numerical_gradient(lambda w: 0.0, np.array([1, 2]))
