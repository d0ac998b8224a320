"""The book's layer classes (``layer_naive.py``, ``common/layers.py``) as thin engine wrappers.

Same calling style as the book: ``out = layer.forward(...)`` then ``dx = layer.backward(dout)``,
and the same attributes (``Affine.dW``/``.db``, ``SoftmaxWithLoss.loss``/``.y``/``.t``,
``BatchNormalization.dgamma``/``.dbeta``/``.running_mean``). Inside, ``forward`` records a
small graph with the engine's ops and ``backward`` runs the engine's chain rule on it, so the
gradients are the engine's (and ``backward`` never writes into ``dout``).
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import engine
from ..errors import BackwardError, DTypeError, InvalidArgumentError
from ..modes import enable_grad
from ..nn.functional import batch_norm
from ..ops import Add, Mul, Softmax
from ..ops import Affine as AffineOp
from ..ops import Dropout as DropoutOp
from ..ops import ReLU as ReLUOp
from ..ops import Sigmoid as SigmoidOp
from ..ops import SoftmaxWithLoss as SoftmaxWithLossOp
from ..tensor import Tensor, apply
from . import randomness
from .functions import cross_entropy_error

__all__ = [
    "MulLayer", "AddLayer", "Affine", "Relu", "Sigmoid", "SoftmaxWithLoss", "Dropout",
    "BatchNormalization",
]


def _leaf(value, layer) -> Tensor:
    """A leaf that needs a gradient, sharing ``value``'s memory when it is a float array."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return Tensor._wrap(value, True)
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        what = f"dtype {value.dtype}" if isinstance(value, np.ndarray) else type(value).__name__
        raise DTypeError(
            f"{type(layer).__name__}.forward: expected numbers (a number or a numeric array), "
            f"got {what}"
        ) from None
    return Tensor._wrap(array, True)


def _plain(array: np.ndarray, like):
    """Python numbers in, Python numbers out (the book's apple example prints floats)."""
    if isinstance(like, numbers.Number) and array.ndim == 0:
        return array.item()
    return array


class _EngineLayer:
    """Keeps the graph of the last ``forward`` so ``backward(dout)`` can run it."""

    _out: Tensor | None = None
    _leaves: tuple = ()

    def _record(self, op, *inputs, **params) -> np.ndarray:
        with enable_grad():
            out = apply(op, *inputs, **params)
        self._out = out
        return out.data

    def _backprop(self, dout) -> list:
        out = self._out
        if out is None:
            raise BackwardError(f"{type(self).__name__}.backward: call forward() first")
        for leaf in self._leaves:
            leaf.grad = None
        # retain_graph: the book's layers allow backward() more than once per forward().
        engine.backward(out, dout, retain_graph=True)
        return [leaf.grad for leaf in self._leaves]


class MulLayer(_EngineLayer):
    """out = x * y;  backward(dout) -> (dout * y, dout * x)."""

    def forward(self, x, y):
        self.x, self.y = x, y
        self._leaves = (_leaf(x, self), _leaf(y, self))
        return _plain(self._record(Mul, *self._leaves), x)

    def backward(self, dout):
        dx, dy = self._backprop(dout)
        return _plain(dx, self.x), _plain(dy, self.y)


class AddLayer(_EngineLayer):
    """out = x + y;  backward(dout) -> (dout, dout)."""

    def forward(self, x, y):
        self.x, self.y = x, y
        self._leaves = (_leaf(x, self), _leaf(y, self))
        return _plain(self._record(Add, *self._leaves), x)

    def backward(self, dout):
        dx, dy = self._backprop(dout)
        return _plain(dx, self.x), _plain(dy, self.y)


class Relu(_EngineLayer):
    """out = max(x, 0);  backward(dout) -> dout * (x > 0). ``mask`` is ``x <= 0``."""

    def forward(self, x):
        self._leaves = (_leaf(x, self),)
        out = self._record(ReLUOp, *self._leaves)
        self.mask = self._leaves[0].data <= 0
        return out

    def backward(self, dout):
        return self._backprop(dout)[0]


class Sigmoid(_EngineLayer):
    """out = 1 / (1 + e^-x);  backward(dout) -> dout * out * (1 - out)."""

    def forward(self, x):
        self._leaves = (_leaf(x, self),)
        self.out = self._record(SigmoidOp, *self._leaves)
        return self.out

    def backward(self, dout):
        return self._backprop(dout)[0]


class Affine(_EngineLayer):
    """out = x W + b (x is flattened to (N, -1) first);  backward(dout) -> dx, sets dW, db.

    ``W`` and ``b`` are used as given, not copied: the network's ``params`` arrays.
    """

    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x):
        x = np.asarray(x)
        self.original_x_shape = x.shape
        if x.ndim > 2:
            x = x.reshape(x.shape[0], -1)
        self.x = x
        self._leaves = (_leaf(x, self), _leaf(self.W, self), _leaf(self.b, self))
        return self._record(AffineOp, *self._leaves)

    def backward(self, dout):
        dx, self.dW, self.db = self._backprop(dout)
        return dx.reshape(*self.original_x_shape)


class SoftmaxWithLoss(_EngineLayer):
    """loss = cross_entropy_error(softmax(x), t), the mean over the batch; ``backward(dout=1)``
    -> dx = dout * (softmax(x) - t) / N.

    ``t`` holds class labels (N,) or one-hot rows (N, K). ``loss`` is the book's number, with
    the ``+ 1e-7`` inside the log; the gradient is the book's ``(y - t) / N``, which ignores
    it (the engine's op, recorded for ``backward``, computes its own loss by log-softmax).
    """

    def __init__(self):
        self.loss = None
        self.t = None
        self._x = None

    @property
    def y(self):
        """softmax(x) of the last forward (computed on first access)."""
        return None if self._x is None else Softmax.forward(self._x, axis=-1)[0]

    def forward(self, x, t):
        self.t = t
        self._leaves = (_leaf(x, self),)
        self._x = self._leaves[0].data
        self._record(SoftmaxWithLossOp, self._leaves[0], np.asarray(t))
        self.loss = float(cross_entropy_error(self.y, t))
        return self.loss

    def backward(self, dout=1):
        return self._backprop(dout)[0]


class Dropout(_EngineLayer):
    """The book's dropout: training keeps each unit with probability 1 - ratio (no rescaling);
    ``train_flg=False`` multiplies by (1 - ratio). ``rng=None`` draws the mask as the book,
    ``np.random.rand(*x.shape) > ratio``; a numpy Generator draws it from itself."""

    def __init__(self, dropout_ratio=0.5, rng=None):
        ratio = dropout_ratio
        if isinstance(ratio, bool) or not isinstance(ratio, numbers.Real) or not 0 <= ratio < 1:
            raise InvalidArgumentError(
                f"Dropout: dropout_ratio must be a number in [0, 1), got {dropout_ratio!r}"
            )
        self.dropout_ratio = dropout_ratio
        self.rng = randomness.check_rng(rng, "Dropout")
        self.mask = None

    def forward(self, x, train_flg=True):
        self._leaves = (_leaf(x, self),)
        x = self._leaves[0].data
        if train_flg:
            self.mask = randomness.rand(self.rng, x.shape) > self.dropout_ratio
            return self._record(DropoutOp, self._leaves[0], self.mask.astype(x.dtype))
        return self._record(Mul, self._leaves[0], 1.0 - self.dropout_ratio)

    def backward(self, dout):
        return self._backprop(dout)[0]


class BatchNormalization(_EngineLayer):
    """The book's batch normalisation layer: ``forward(x, train_flg=True)``, ``backward(dout)``.

    Training normalises with the batch statistics (the fused ``BatchNorm`` op) and moves
    ``running_mean``/``running_var`` with ``momentum``; ``train_flg=False`` uses the running
    statistics. They start at zero as in the book. Inputs of more than two axes are flattened
    to (N, -1) and the output takes the input's shape back.
    """

    eps = 1e-6  # the book's 10e-7

    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        self.gamma = gamma
        self.beta = beta
        self.momentum = momentum
        self.input_shape = None
        self.running_mean = None if running_mean is None else np.array(running_mean, float)
        self.running_var = None if running_var is None else np.array(running_var, float)
        self.dgamma = None
        self.dbeta = None

    def forward(self, x, train_flg=True):
        x = np.asarray(x)
        self.input_shape = x.shape
        if x.ndim != 2:
            x = x.reshape(x.shape[0], -1)
        if self.running_mean is None:
            self.running_mean = np.zeros(x.shape[1])
            self.running_var = np.zeros(x.shape[1])
        self._leaves = (_leaf(x, self), _leaf(self.gamma, self), _leaf(self.beta, self))
        with enable_grad():
            out = batch_norm(*self._leaves, self.running_mean, self.running_var, train_flg,
                             self.momentum, self.eps, owner="BatchNormalization")
        self._out = out
        return out.data.reshape(*self.input_shape)

    def backward(self, dout):
        dout = np.asarray(dout)
        if dout.ndim != 2:
            dout = dout.reshape(dout.shape[0], -1)
        dx, self.dgamma, self.dbeta = self._backprop(dout)
        return dx.reshape(*self.input_shape)
