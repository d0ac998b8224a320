"""check_layer on book-style layers (chapter 5): correct ones pass, the classic bugs are caught
with the right parameter named, and the layer is left exactly as it was."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag

RNG = np.random.default_rng(5)


def away(shape, margin=0.2):
    x = RNG.uniform(-2, 2, size=shape)
    return np.where(np.abs(x) < margin, margin, x)


class Relu:
    """Correct: backward builds a new array."""

    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        return np.where(self.mask, 0.0, dout)


class BookRelu(Relu):
    """The book's version: dout[self.mask] = 0 writes into the caller's array."""

    def backward(self, dout):
        dout[self.mask] = 0
        return dout


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = self.dW = self.db = None

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = np.sum(dout, axis=0)
        return dout @ self.W.T


class AffineMissingSum(Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = dout  # should be np.sum(dout, axis=0)
        return dx


class AffineTransposedDW(Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dW = self.dW.T
        return dx


class SoftmaxWithLoss:
    """Correct: the loss's gradient is scaled by dout."""

    def forward(self, x, t):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        self.y, self.t = e / e.sum(axis=1, keepdims=True), t
        return -np.mean(np.log(self.y[np.arange(len(t)), t]))

    def backward(self, dout=1):
        dx = self.y.copy()
        dx[np.arange(len(self.t)), self.t] -= 1
        return dx * dout / len(self.t)


class BookSoftmaxWithLoss(SoftmaxWithLoss):
    """The book's version ignores dout (harmless only as the very last layer)."""

    def backward(self, dout=1):
        dx = self.y.copy()
        dx[np.arange(len(self.t)), self.t] -= 1
        return dx / len(self.t)


class MulLayer:
    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        return dout * self.y, dout * self.x


class MulLayerSwapped(MulLayer):
    def backward(self, dout):
        return dout * self.x, dout * self.y


class ScaleShift:
    """Parameters in a params dict, gradients in a grads dict (as the book's networks)."""

    def __init__(self, n):
        self.params = {"gamma": away(n), "beta": away(n)}
        self.grads = {}

    def forward(self, x):
        self.x = x
        return self.params["gamma"] * x + self.params["beta"]

    def backward(self, dout):
        self.grads = {"gamma": (dout * self.x).sum(axis=0), "beta": dout.sum(axis=0)}
        return dout * self.params["gamma"]


def failed(report):
    return {c.name for c in report.failures}


@pytest.mark.parametrize(
    "layer,inputs",
    [
        (Relu(), (away((3, 4)),)),
        (Affine(away((4, 4)), away(4)), (away((3, 4)),)),
        (SoftmaxWithLoss(), (away((3, 4)), np.array([0, 3, 1]))),
        (MulLayer(), (away((2, 3)), away((2, 3)))),
        (ScaleShift(3), (away((2, 3)),)),
    ],
    ids=["Relu", "Affine", "SoftmaxWithLoss", "MulLayer", "params-dict"],
)
def test_correct_layers_pass(layer, inputs):
    report = ag.check_layer(layer, *inputs)
    assert report.ok and report.status == "passed", report


def test_correct_layers_report_every_parameter():
    report = ag.check_layer(Affine(away((4, 4)), away(4)), away((3, 4)))
    assert [c.name for c in report.inputs] == ["x", "W", "b"]
    assert [c.name for c in ag.check_layer(ScaleShift(3), away((2, 3))).inputs] == [
        "x",
        "gamma",
        "beta",
    ]


def test_the_books_relu_writing_into_dout_is_a_deliberate_departure_not_a_wrong_derivative():
    report = ag.check_layer(BookRelu(), away((3, 4)))
    assert failed(report) == {"dout not mutated"}, report
    assert not report.ok and report.status == "deviates"
    assert report["x"].status == "passed"  # the derivative itself is right
    text = str(report)
    assert "every derivative is right" in text and "DEPART dout not mutated" in text
    assert "as the book's Relu does on purpose" in text and "book's results are right" in text
    assert "FAILED" not in text


def test_the_books_softmax_with_loss_ignoring_dout_is_a_deliberate_departure():
    report = ag.check_layer(BookSoftmaxWithLoss(), away((3, 4)), np.array([0, 3, 1]))
    assert failed(report) == {"scales with dout"}, report
    assert report.status == "deviates" and report["x"].status == "passed"
    message = report.failures[0].message
    assert "ignores dout and returns the gradient for dout = 1" in message
    assert "always the last layer" in message
    head = "check_layer BookSoftmaxWithLoss: DEVIATES - every derivative is right"
    assert report.summary().startswith(head)


class BookReluWrongDerivative(BookRelu):
    """Writes into dout and also lets negative inputs through: a real bug as well."""

    def backward(self, dout):
        dout[self.mask] *= 0.5
        return dout


class TanhIgnoringDout:
    """Not a loss: ignoring dout here is just wrong."""

    def forward(self, x):
        self.y = np.tanh(x)
        return self.y

    def backward(self, dout):
        return 1 - self.y**2


def test_a_wrong_derivative_is_failed_even_beside_a_departure():
    report = ag.check_layer(BookReluWrongDerivative(), away((3, 4)))
    assert report.status == "failed" and failed(report) == {"dout not mutated", "x"}


def test_ignoring_dout_in_a_layer_that_is_not_a_loss_is_failed():
    report = ag.check_layer(TanhIgnoringDout(), away((3, 4)))
    assert report.status == "failed" and failed(report) == {"x", "scales with dout"}


def test_a_missing_sum_over_the_batch_is_caught_naming_b():
    report = ag.check_layer(AffineMissingSum(away((4, 4)), away(4)), away((3, 4)))
    [check] = report.failures
    assert check.name == "gradients stored, with the right shapes"
    assert check.message.startswith("b: db has shape (3, 4), but b has shape (4,)")
    assert "missing sum over the batch axis" in check.message


def test_a_transposed_dW_is_caught_naming_W():
    report = ag.check_layer(AffineTransposedDW(away((4, 4)), away(4)), away((3, 4)))
    assert failed(report) == {"W"}, report


def test_swapped_gradients_are_caught_naming_both_inputs():
    report = ag.check_layer(MulLayerSwapped(), away((2, 3)), away((2, 3)))
    assert failed(report) == {"x", "y"}, report


def test_the_layer_is_left_exactly_as_it_was():
    W, b = away((4, 4)), away(4)
    layer = Affine(W, b)
    W_before, b_before = W.copy(), b.copy()
    ag.check_layer(layer, away((3, 4)))
    assert layer.W is W and np.array_equal(W, W_before) and np.array_equal(b, b_before)
    assert layer.dW is None and layer.db is None and layer.x is None


def test_a_layer_that_raises_midway_is_restored():
    class Fragile(Affine):
        calls = 0

        def forward(self, x):
            Fragile.calls += 1
            if Fragile.calls == 9:
                raise RuntimeError("boom")
            return super().forward(x)

    W = away((3, 3))
    W_before = W.copy()
    layer = Fragile(W, away(3))
    with pytest.raises(RuntimeError, match="boom"):
        ag.check_layer(layer, away((2, 3)))
    assert np.array_equal(W, W_before) and layer.dW is None


def test_bad_layers_are_refused():
    with pytest.raises(ag.InvalidArgumentError, match=r"object has no forward\(\)"):
        ag.check_layer(object(), np.ones(2))
    with pytest.raises(ag.InvalidArgumentError, match="pass the layer's forward inputs"):
        ag.check_layer(Relu())
    with pytest.raises(ag.InvalidArgumentError, match="check_layer: eps must be"):
        ag.check_layer(Relu(), np.ones(2), eps=0)


def test_a_random_layer_is_refused():
    class Dropout:
        def forward(self, x):
            self.mask = np.random.default_rng().random(x.shape) > 0.5
            return x * self.mask

        def backward(self, dout):
            return dout * self.mask

    with pytest.raises(ag.InvalidArgumentError, match="is not deterministic"):
        ag.check_layer(Dropout(), away((4, 4)))


class BatchNormalization:
    """Chapter 6's layer: gamma/beta attributes, running statistics updated by forward."""

    def __init__(self, gamma, beta, momentum=0.9):
        self.gamma, self.beta, self.momentum = gamma, beta, momentum
        self.running_mean = self.running_var = None

    def forward(self, x, train_flg=True):
        if self.running_mean is None:
            self.running_mean, self.running_var = np.zeros(x.shape[1]), np.zeros(x.shape[1])
        if not train_flg:
            xn = (x - self.running_mean) / np.sqrt(self.running_var + 1e-7)
            return self.gamma * xn + self.beta
        mu = x.mean(axis=0)
        self.xc = x - mu
        var = np.mean(self.xc**2, axis=0)
        self.std = np.sqrt(var + 1e-7)
        self.xn = self.xc / self.std
        self.batch_size = x.shape[0]
        self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mu
        self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
        return self.gamma * self.xn + self.beta

    def backward(self, dout):
        self.dbeta = dout.sum(axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)
        dxn = self.gamma * dout
        dxc = dxn / self.std
        dstd = -np.sum((dxn * self.xc) / (self.std * self.std), axis=0)
        dvar = 0.5 * dstd / self.std
        dxc += (2.0 / self.batch_size) * self.xc * dvar
        dmu = np.sum(dxc, axis=0)
        return dxc - dmu / self.batch_size


def test_the_books_batch_normalization_passes_and_keeps_its_running_statistics():
    layer = BatchNormalization(away(3), away(3))
    report = ag.check_layer(layer, away((4, 3)))
    assert report.ok and report.status == "passed", report
    assert [c.name for c in report.inputs] == ["x", "gamma", "beta"]
    assert layer.running_mean is None and not hasattr(layer, "dgamma")
    report = ag.check_layer(layer, away((4, 3)), forward_kwargs={"train_flg": True})
    assert report.ok


def _book_layers():
    from autograd_lite.book import layers as book

    x = away((3, 4))
    return [
        (book.Relu(), (x,), None),
        (book.Sigmoid(), (x,), None),
        (book.Affine(away((4, 5)), away(5)), (x,), None),
        (book.SoftmaxWithLoss(), (x, np.array([0, 1, 3])), None),
        (book.MulLayer(), (x, away((3, 4))), None),
        (book.AddLayer(), (x, away((3, 4))), None),
        (book.BatchNormalization(away(4), away(4)), (x,), None),
        (book.Dropout(0.5), (x,), {"train_flg": False}),
    ]


@pytest.mark.parametrize("index", range(8))
def test_the_librarys_own_book_layers_pass(index):
    layer, inputs, kwargs = _book_layers()[index]
    report = ag.check_layer(layer, *inputs, forward_kwargs=kwargs)
    assert report.ok and report.status == "passed", report
