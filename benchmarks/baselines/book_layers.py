"""The book's layer objects, written from the chapter 5 formulas, in the book's style.

Each layer keeps what its backward needs on ``self`` and every backward returns the input
gradient, so the first Affine layer computes ``dx = dout W1^T`` although the network never uses
it (the input batch is data). That wasted (N, 50) x (50, 784) product is part of the reference:
it is what a learner's hand-written network costs.

Layer formulas (N = batch size):
    Affine:          out = x W + b;            dx = dout W^T,  dW = x^T dout,  db = sum_n dout
    Relu:            out = x * [x > 0];         dx = dout * [x > 0]
    SoftmaxWithLoss: y = softmax(x), L = -(1/N) sum_n log y[n, t_n];   dx = (y - onehot(t)) / N
"""

from __future__ import annotations

import numpy as np


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return dx


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0  # in place, as the book does: fine here, this net has no fan-out
        return dout


def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(x)
    return e / np.sum(e, axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


class SoftmaxWithLoss:
    def __init__(self):
        self.y = None
        self.t = None

    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        return cross_entropy_error(self.y, t)

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        dx = self.y.copy()
        dx[np.arange(batch_size), self.t] -= 1
        return dx / batch_size


class BookTwoLayerNet:
    """784-50-10 with the book's layers; ``step(x, t)`` is one forward, backward and SGD update.

    ``params`` are the caller's arrays, updated in place (``param -= lr * grad``), as the book's
    ``SGD.update`` does, so the buffers are reused from step to step.
    """

    def __init__(self, params: dict, lr: float = 0.01):
        self.params = params
        self.lr = lr
        self.layers = [
            Affine(params["W1"], params["b1"]), Relu(), Affine(params["W2"], params["b2"]),
        ]
        self.last_layer = SoftmaxWithLoss()

    def loss(self, x, t):
        for layer in self.layers:
            x = layer.forward(x)
        return self.last_layer.forward(x, t)

    def gradient(self, x, t) -> dict:
        self.loss(x, t)
        dout = self.last_layer.backward(1)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        affine1, _, affine2 = self.layers
        return {"W1": affine1.dW, "b1": affine1.db, "W2": affine2.dW, "b2": affine2.db}

    def step(self, x, t) -> None:
        grads = self.gradient(x, t)
        for key in ("W1", "b1", "W2", "b2"):
            self.params[key] -= self.lr * grads[key]
