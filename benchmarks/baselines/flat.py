"""The same two-layer step written flat, without the input gradient nobody uses.

This is what a careful NumPy programmer writes: no layer objects, no ``dx`` for the first
layer, ``np.dot`` on the transposed views. It is the floor a Python-level engine can approach.
"""

from __future__ import annotations

import numpy as np


class FlatTwoLayerNet:
    """784-50-10, softmax-with-loss, one SGD step per ``step(x, t)``; params updated in place."""

    def __init__(self, params: dict, lr: float = 0.01):
        self.params = params
        self.lr = lr

    def step(self, x, t) -> float:
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        n = x.shape[0]
        a1 = np.dot(x, W1) + b1
        h = np.maximum(a1, 0)
        z = np.dot(h, W2) + b2
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        probs = e / e.sum(axis=1, keepdims=True)
        rows = np.arange(n)
        loss = -np.log(probs[rows, t]).sum() / n
        gz = probs
        gz[rows, t] -= 1.0
        gz /= n
        gW2 = np.dot(h.T, gz)
        gb2 = gz.sum(axis=0)
        gh = np.dot(gz, W2.T)
        gh *= a1 > 0
        gW1 = np.dot(x.T, gh)
        gb1 = gh.sum(axis=0)
        W1 -= self.lr * gW1
        b1 -= self.lr * gb1
        W2 -= self.lr * gW2
        b2 -= self.lr * gb2
        return loss
