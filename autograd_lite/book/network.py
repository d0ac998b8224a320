"""What the book's networks share: ``params``, predict/loss/accuracy/gradient, the numerical
gradient, input checks and ``.npz`` save/load.

A network is a list of layer steps ``(scope, fn)``; ``fn(h, P, train)`` maps the activations
``h`` with the parameters ``P`` (the ``params`` arrays, or Tensors wrapping them) to the next
activations. ``gradient`` wraps each ``params`` array as a Tensor *without copying* on every
call, runs the steps inside ``ag.name_scope`` (so the graph picture shows ``Affine1``,
``Relu1``, ...) and backpropagates through the engine. Because nothing is copied, a book
optimizer that updates ``params`` in place is seen by the next call.

``loss`` is the book's number: ``cross_entropy_error(softmax(y), t)`` with the ``+ 1e-7``
inside the log, plus the weight decay. The graph's ``SoftmaxWithLoss`` op computes the loss
without the ``1e-7`` (by log-softmax); its gradient, ``(softmax(y) - t) / N``, is the book's
``SoftmaxWithLoss.backward`` exactly, which ignores the ``1e-7`` too.
"""

from __future__ import annotations

import numpy as np

from ..errors import DTypeError, InvalidArgumentError, ShapeError
from ..functions import softmax_with_loss
from ..modes import SCOPE, inner_scope, name_scope, no_grad
from ..serialization import check_arrays, load_arrays, save_arrays
from ..tensor import Tensor
from . import randomness
from .functions import cross_entropy_error, softmax
from .gradient import numerical_gradient as _numerical_gradient

__all__ = ["BookNetwork"]


class BookNetwork:
    """Base of TwoLayerNet, MultiLayerNet and MultiLayerNetExtend (see ``networks.py``)."""

    #: the ``train_flg`` that ``gradient``/``numerical_gradient`` use (True where it matters)
    _grad_train_flg = False

    def __init__(self, input_size: int, output_size: int, rng: np.random.Generator | None):
        self.input_size = int(input_size)
        self.output_size = int(output_size)
        self.rng = rng  # None: NumPy's global random state, as the book
        self.params: dict[str, np.ndarray] = {}
        self.weight_decay_lambda = 0.0
        self._steps: list = []  # (scope name, fn(h, P, train))
        self._stats: dict[str, np.ndarray] = {}  # batch-norm running statistics, by name

    # ----- input checks ---------------------------------------------------------------------
    def _check_x(self, x, where: str) -> np.ndarray:
        name = type(self).__name__ + "." + where
        x = np.asarray(x)
        if x.dtype.kind not in "biuf":
            raise DTypeError(f"{name}: x must be numeric, got dtype {x.dtype}")
        if x.ndim == 0:
            raise ShapeError(f"{name}: x is a scalar; it needs shape (N, {self.input_size})")
        if x.ndim > 2:
            x = x.reshape(x.shape[0], -1)  # images (N, C, H, W) are flattened, as the book's Affine
        if x.shape[-1] != self.input_size:
            raise ShapeError(
                f"{name}: x has shape {x.shape}, so {x.shape[-1]} features per example; this "
                f"network was built with input_size={self.input_size}"
            )
        return x

    def _check_xt(self, x, t, where: str):
        x = self._check_x(x, where)
        t = np.asarray(t)
        n = 1 if x.ndim == 1 else x.shape[0]
        k = self.output_size
        fits = t.shape in ((n,), (n, k)) or (x.ndim == 1 and t.shape in ((), (k,)))
        if not fits:
            raise ShapeError(
                f"{type(self).__name__}.{where}: t has shape {t.shape}; x has {n} example(s), "
                f"so t needs shape ({n},) (class labels) or ({n}, {k}) (one-hot)"
            )
        if t.ndim <= 1 and t.size and not (x.ndim == 1 and t.shape == (k,)):
            # Class labels are checked here, before batch norm or dropout touch any state.
            kind = t.dtype.kind
            if kind not in "iuf" or (kind == "f" and np.any(t != np.round(t))):
                raise DTypeError(
                    f"{type(self).__name__}.{where}: class labels t must be integers, got "
                    f"dtype {t.dtype}"
                )
            if t.min() < 0 or t.max() >= k:
                bad = t[(t < 0) | (t >= k)].flat[0]
                raise InvalidArgumentError(
                    f"{type(self).__name__}.{where}: t: label {bad:g} is out of range "
                    f"for {k} classes (expected 0..{k - 1})"
                )
        return x, t

    # ----- the forward pass -------------------------------------------------------------------
    def _forward(self, x, P, train: bool):
        # name_scope(scope) for each layer, with the ContextVar set directly: the same effect
        # without a generator-based context manager per layer on every training step.
        outer = SCOPE.get()
        h = x
        for scope, fn in self._steps:
            token = SCOPE.set(inner_scope(outer, scope))
            try:
                h = fn(h, P, train)
            finally:
                SCOPE.reset(token)
        return h

    def _loss(self, x, t, P, train: bool):
        loss = softmax_with_loss(self._forward(x, P, train), t)
        lam = self.weight_decay_lambda
        if lam:
            with name_scope("WeightDecay"):
                for key in self._weight_keys:
                    W = P[key]
                    loss = loss + 0.5 * lam * (W * W).sum()
        return loss

    @property
    def _weight_keys(self) -> list:
        return [k for k in self.params if k.startswith("W")]

    @property
    def _grad_keys(self) -> list:
        """The keys of the gradient dicts, in the order the book's ``gradient`` lists them."""
        return list(self.params)

    # ----- the book's API ---------------------------------------------------------------------
    def predict(self, x, train_flg: bool = False) -> np.ndarray:
        """The scores (before softmax) for ``x`` of shape (N, input_size)."""
        x = self._check_x(x, "predict")
        with no_grad():
            return self._forward(x, self.params, train_flg).data

    def loss(self, x, t, train_flg: bool = False) -> float:
        """The book's loss: cross_entropy_error(softmax(y), t) (mean over the batch, with the
        book's ``+ 1e-7`` inside the log) plus 0.5 * lambda * sum(W^2) over every W."""
        x, t = self._check_xt(x, t, "loss")
        return self._book_loss(x, t, train_flg)

    def _book_loss(self, x, t, train: bool) -> float:
        with no_grad():
            y = self._forward(x, self.params, train).data
        weight_decay = 0.0
        for key in self._weight_keys:
            W = self.params[key]
            weight_decay += 0.5 * self.weight_decay_lambda * np.sum(W**2)
        return float(cross_entropy_error(softmax(y), t) + weight_decay)

    def accuracy(self, x, t) -> float:
        """The fraction of examples whose highest score is the label (t: labels or one-hot)."""
        x, t = self._check_xt(x, t, "accuracy")
        y = np.argmax(self.predict(x, train_flg=False), axis=-1)
        if t.ndim == y.ndim + 1:  # one-hot rows
            t = np.argmax(t, axis=-1)
        return float(np.sum(y == t) / float(1 if x.ndim == 1 else x.shape[0]))

    def gradient(self, x, t) -> dict:
        """The gradient of ``loss`` for every entry of ``params``, by backprop through the graph."""
        x, t = self._check_xt(x, t, "gradient")
        P = {key: Tensor._wrap(array, True, key) for key, array in self.params.items()}
        self._loss(x, t, P, self._grad_train_flg).backward()
        return {key: P[key].grad for key in self._grad_keys}

    def loss_tensor(self, x, t, train_flg: bool = False) -> Tensor:
        """The loss as a Tensor with its graph, to draw or inspect: ``params`` appear as leaves
        named ``W1``, ``b1``, ... (sharing the arrays) and each layer's nodes carry its scope
        (``Affine1``, ``Relu1``, ...). ``net.loss_tensor(x, t).render("net.png")``.

        Its value is the engine's ``SoftmaxWithLoss`` (log-softmax, without the book's
        ``+ 1e-7``), so it can differ from ``loss(x, t)`` in the 7th digit; the gradient
        does not differ."""
        x, t = self._check_xt(x, t, "loss_tensor")
        P = {key: Tensor._wrap(array, True, key) for key, array in self.params.items()}
        return self._loss(x, t, P, train_flg)

    def numerical_gradient(self, x, t) -> dict:
        """The same gradient by the book's central differences (h = 1e-4). Slow: for checks.

        The network is left as it was found: every parameter value, the running statistics,
        and the random state (so ``gradient(x, t)`` called next sees the same dropout masks as
        every loss evaluation here; the book's draws new masks for each evaluation).
        """
        x, t = self._check_xt(x, t, "numerical_gradient")
        train = self._grad_train_flg
        rng_state = randomness.get_state(self.rng)
        stats = {key: array.copy() for key, array in self._stats.items()}

        uses_rng = getattr(self, "use_dropout", False)

        def f(_):
            if uses_rng:
                randomness.set_state(self.rng, rng_state)
            return self._book_loss(x, t, train)

        try:
            return {key: _numerical_gradient(f, self.params[key]) for key in self._grad_keys}
        finally:
            randomness.set_state(self.rng, rng_state)
            for key, array in stats.items():
                np.copyto(self._stats[key], array)

    # ----- persistence ------------------------------------------------------------------------
    def _state_arrays(self) -> dict:
        arrays = dict(self.params)
        arrays.update(self._stats)
        return arrays

    def save_params(self, file_name="params.npz") -> str:
        """Write ``params`` (and batch-norm running statistics) as ``.npz``, atomically."""
        return save_arrays(file_name, self._state_arrays())

    def load_params(self, file_name="params.npz") -> None:
        """Read a file written by ``save_params`` into the existing arrays, in place.

        Every key, shape and dtype is checked first; on any mismatch a WeightsError names
        each one and the network is unchanged.
        """
        loaded = load_arrays(file_name)
        targets = self._state_arrays()
        ready = check_arrays(targets, loaded, f"weights file {str(file_name)!r}")
        for key, target in targets.items():
            np.copyto(target, ready[key])
