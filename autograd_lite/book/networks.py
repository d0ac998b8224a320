"""The book's networks, with gradients by autodiff: TwoLayerNet, MultiLayerNet,
MultiLayerNetExtend.

Constructors take the book's arguments plus ``rng`` and ``dtype`` (float64). With ``rng=None``
the initial weights (``weight_init_std * np.random.randn(n_in, n_out)``) and the dropout masks
(``np.random.rand(*x.shape)``) come from NumPy's global state with the book's calls, in the
book's order, so ``np.random.seed(s)`` gives the book's network; a ``numpy.random.Generator``
keeps the run to itself (see ``randomness.py``).
"""

from __future__ import annotations

import functools
import numbers

import numpy as np

from .. import checks
from ..errors import InvalidArgumentError
from ..nn.functional import batch_norm
from ..nn.init import weight_std
from ..ops import Affine, Dropout, ReLU, Sigmoid, Tanh
from ..tensor import apply
from . import randomness
from .network import BookNetwork

__all__ = ["TwoLayerNet", "MultiLayerNet", "MultiLayerNetExtend"]

#: activation name -> (op, the scope name the graph picture shows)
_ACTIVATIONS = {"relu": (ReLU, "Relu"), "sigmoid": (Sigmoid, "Sigmoid"), "tanh": (Tanh, "Tanh")}


def _size(owner: str, name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise InvalidArgumentError(f"{owner}: {name} must be a positive int, got {value!r}")
    return int(value)


def _weight(n_in: int, n_out: int, init, rng, dtype) -> np.ndarray:
    """The book's initial weight matrix: std * np.random.randn(n_in, n_out)."""
    std = weight_std(init, n_in)
    return (std * randomness.randn(rng, (n_in, n_out))).astype(dtype, copy=False)


def _affine_step(i: int):
    W, b = f"W{i}", f"b{i}"
    return f"Affine{i}", lambda h, P, train: apply(Affine, h, P[W], P[b])


def _activation_step(op, label: str, i: int):
    return f"{label}{i}", lambda h, P, train: apply(op, h)


class TwoLayerNet(BookNetwork):
    """Affine1 -> Relu1 -> Affine2 -> SoftmaxWithLoss (chapter 5).

    ``params``: W1 (input_size, hidden_size), b1, W2 (hidden_size, output_size), b2, with
    W = weight_init_std * N(0, 1) and b = 0.
    """

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01, rng=None,
                 dtype=np.float64):
        owner = "TwoLayerNet"
        super().__init__(_size(owner, "input_size", input_size),
                         _size(owner, "output_size", output_size),
                         randomness.check_rng(rng, owner))
        self.hidden_size = _size(owner, "hidden_size", hidden_size)
        sizes = (self.input_size, self.hidden_size, self.output_size)
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            self.params[f"W{i}"] = _weight(n_in, n_out, weight_init_std, self.rng, dtype)
            self.params[f"b{i}"] = np.zeros(n_out, dtype=dtype)
        self._steps = [_affine_step(1), _activation_step(ReLU, "Relu", 1), _affine_step(2)]


class MultiLayerNet(BookNetwork):
    """Fully connected: (Affine -> activation) per hidden layer, then Affine (chapter 6).

    ``weight_init_std``: a float, ``"relu"``/``"he"`` (sqrt(2 / n_in)) or
    ``"sigmoid"``/``"xavier"`` (sqrt(1 / n_in)). ``weight_decay_lambda`` adds
    0.5 * lambda * sum(W^2) over every W to the loss (and lambda * W to its gradient).
    """

    def __init__(self, input_size, hidden_size_list, output_size, activation="relu",
                 weight_init_std="relu", weight_decay_lambda=0, rng=None, dtype=np.float64):
        owner = type(self).__name__
        super().__init__(_size(owner, "input_size", input_size),
                         _size(owner, "output_size", output_size),
                         randomness.check_rng(rng, owner))
        try:
            hidden = [_size(owner, "hidden_size_list entries", h) for h in hidden_size_list]
        except TypeError:
            raise InvalidArgumentError(
                f"{owner}: hidden_size_list must be a list of ints, got {hidden_size_list!r}"
            ) from None
        key = activation.lower() if isinstance(activation, str) else None
        if key not in _ACTIVATIONS:
            raise InvalidArgumentError(
                f"{owner}: unknown activation {checks.describe(activation)}; use one of "
                f"{', '.join(_ACTIVATIONS)}"
            )
        lam = weight_decay_lambda
        if isinstance(lam, bool) or not isinstance(lam, numbers.Real) or not lam >= 0:
            raise InvalidArgumentError(
                f"{owner}: weight_decay_lambda must be a number >= 0, got {lam!r}"
            )
        self.hidden_size_list = hidden
        self.hidden_layer_num = len(hidden)
        self.activation = key
        self.weight_decay_lambda = float(lam)
        sizes = [self.input_size, *hidden, self.output_size]
        for i in range(1, len(sizes)):
            self.params[f"W{i}"] = _weight(sizes[i - 1], sizes[i], weight_init_std, self.rng,
                                           dtype)
            self.params[f"b{i}"] = np.zeros(sizes[i], dtype=dtype)
        self._dtype = dtype
        self._build()

    def _build(self) -> None:
        op, label = _ACTIVATIONS[self.activation]
        steps = []
        for i in range(1, self.hidden_layer_num + 1):
            steps += [_affine_step(i), _activation_step(op, label, i)]
        steps.append(_affine_step(self.hidden_layer_num + 1))
        self._steps = steps


class MultiLayerNetExtend(MultiLayerNet):
    """MultiLayerNet with optional batch normalisation and dropout (chapter 6).

    Each hidden layer: Affine -> [BatchNorm] -> activation -> [Dropout]. With
    ``use_batchnorm``, ``params`` gains gamma<i> (ones) and beta<i> (zeros) per hidden layer,
    and the running statistics (starting at zero, momentum 0.9, as the book) are kept in
    ``running_mean<i>`` / ``running_var<i>`` of :attr:`running_stats`.

    Dropout is the book's: training keeps a unit with probability 1 - dropout_ration and does
    not rescale; ``train_flg=False`` multiplies by 1 - dropout_ration.
    ``gradient``/``numerical_gradient`` run in training mode (``train_flg=True``), as the book.
    """

    _grad_train_flg = True

    def __init__(self, input_size, hidden_size_list, output_size, activation="relu",
                 weight_init_std="relu", weight_decay_lambda=0, use_dropout=False,
                 dropout_ration=0.5, use_batchnorm=False, rng=None, dtype=np.float64):
        ratio = dropout_ration
        if isinstance(ratio, bool) or not isinstance(ratio, numbers.Real) or not 0 <= ratio < 1:
            raise InvalidArgumentError(
                f"MultiLayerNetExtend: dropout_ration must be in [0, 1), got {ratio!r}"
            )
        self.use_dropout = checks.boolean("MultiLayerNetExtend", "use_dropout", use_dropout)
        self.dropout_ration = float(ratio)
        self.use_batchnorm = checks.boolean("MultiLayerNetExtend", "use_batchnorm",
                                            use_batchnorm)
        super().__init__(input_size, hidden_size_list, output_size, activation,
                         weight_init_std, weight_decay_lambda, rng, dtype)

    @property
    def _grad_keys(self) -> list:
        # The book's order: W1, b1, gamma1, beta1, W2, b2, gamma2, ..., W_last, b_last.
        keys = []
        for i in range(1, self.hidden_layer_num + 2):
            keys += [f"W{i}", f"b{i}"]
            if self.use_batchnorm and i <= self.hidden_layer_num:
                keys += [f"gamma{i}", f"beta{i}"]
        return keys

    @property
    def running_stats(self) -> dict:
        """``running_mean<i>``/``running_var<i>`` arrays of the batch-norm layers."""
        return self._stats

    def _build(self) -> None:
        op, label = _ACTIVATIONS[self.activation]
        steps = []
        for i in range(1, self.hidden_layer_num + 1):
            steps.append(_affine_step(i))
            if self.use_batchnorm:
                n = self.hidden_size_list[i - 1]
                self.params[f"gamma{i}"] = np.ones(n, dtype=self._dtype)
                self.params[f"beta{i}"] = np.zeros(n, dtype=self._dtype)
                self._stats[f"running_mean{i}"] = np.zeros(n, dtype=self._dtype)
                self._stats[f"running_var{i}"] = np.zeros(n, dtype=self._dtype)
                steps.append(self._batchnorm_step(i))
            steps.append(_activation_step(op, label, i))
            if self.use_dropout:
                steps.append((f"Dropout{i}", self._dropout))
        steps.append(_affine_step(self.hidden_layer_num + 1))
        self._steps = steps

    def _batchnorm_step(self, i: int):
        # A partial of a bound method, not a closure over the arrays: copy.deepcopy(net) then
        # gives a network that moves its own running statistics.
        return f"BatchNorm{i}", functools.partial(self._batchnorm, i)

    def _batchnorm(self, i, h, P, train):
        stats = self._stats
        return batch_norm(h, P[f"gamma{i}"], P[f"beta{i}"], stats[f"running_mean{i}"],
                          stats[f"running_var{i}"], train, 0.9, 1e-6, owner=f"BatchNorm{i}")

    def _dropout(self, h, P, train):
        if not train:
            return h * (1.0 - self.dropout_ration)
        keep = randomness.rand(self.rng, h.shape) > self.dropout_ration
        return apply(Dropout, h, keep.astype(h.data.dtype))
