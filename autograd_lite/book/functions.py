"""The book's NumPy helper functions (``common/functions.py``) for chapter 3 and 4 scripts.

They take and return plain arrays, like the book's. Where the engine has the op, its forward
is used (so ``sigmoid(-1000)`` is 0 without an overflow warning).
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..ops import ReLU, Sigmoid, Softmax

__all__ = [
    "identity_function", "step_function", "sigmoid", "sigmoid_grad", "relu", "relu_grad",
    "softmax", "mean_squared_error", "cross_entropy_error", "softmax_loss",
]


def _float(x) -> np.ndarray:
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def identity_function(x):
    """y = x."""
    return x


def step_function(x):
    """1 where x > 0, else 0 (integers, as the book)."""
    return np.array(np.asarray(x) > 0, dtype=int)


def sigmoid(x):
    """1 / (1 + e^-x)."""
    return Sigmoid.forward(_float(x))[0]


def sigmoid_grad(x):
    """The derivative of sigmoid at x: s (1 - s)."""
    s = sigmoid(x)
    return (1.0 - s) * s


def relu(x):
    """max(x, 0)."""
    return ReLU.forward(_float(x))[0]


def relu_grad(x):
    """1 where x >= 0, else 0 (the book's convention at 0)."""
    x = np.asarray(x)
    return (x >= 0).astype(np.float64)


def softmax(x):
    """e^x / sum e^x along the last axis, with the max subtracted first."""
    return Softmax.forward(_float(x), axis=-1)[0]


def mean_squared_error(y, t):
    """0.5 * sum((y - t)^2)."""
    return 0.5 * np.sum((np.asarray(y) - np.asarray(t)) ** 2)


def cross_entropy_error(y, t):
    """-(1/N) sum_n log(y[n, t_n] + 1e-7) for probabilities ``y``; t labels or one-hot rows."""
    y, t = np.asarray(y), np.asarray(t)
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:  # one-hot rows -> labels
        t = t.argmax(axis=1)
    t = t.reshape(-1)
    batch_size = y.shape[0]
    if t.shape != (batch_size,):
        raise ShapeError(
            f"cross_entropy_error: t has {t.size} labels but y has {batch_size} rows"
        )
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


def softmax_loss(X, t):
    """cross_entropy_error(softmax(X), t)."""
    return cross_entropy_error(softmax(X), t)
