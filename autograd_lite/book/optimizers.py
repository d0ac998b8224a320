"""The book's optimizers (``common/optimizer.py``): ``Adam(lr=0.001).update(params, grads)``.

``params`` and ``grads`` are dicts of arrays (``network.params``, ``network.gradient(x, t)``).
The arrays in ``params`` are updated in place, as in the book, so a network that holds them
sees the change. The rules are the ones ``ag.optim`` uses (:mod:`autograd_lite.optim.rules`),
with the book's defaults; ``weight_decay`` (default 0) is an addition.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import DTypeError, InvalidArgumentError, ShapeError
from ..optim.rules import AdaGradRule, AdamRule, MomentumRule, NesterovRule, RMSpropRule, SGDRule

__all__ = ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam"]


class BookOptimizer:
    """``update(params, grads)`` over dicts of arrays, with per-key state."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.state = {}

    def update(self, params: dict, grads: dict) -> None:
        """Update every ``params[key]`` with ``grads[key]``; all keys are checked first."""
        name = type(self).__name__
        if not isinstance(params, dict) or not isinstance(grads, dict):
            raise InvalidArgumentError(
                f"{name}.update: params and grads must be dicts of arrays, got "
                f"{type(params).__name__} and {type(grads).__name__}"
            )
        for key, p in params.items():
            number = isinstance(p, numbers.Real) and not isinstance(p, (bool, np.bool_))
            if not (number or (isinstance(p, np.ndarray) and p.dtype.kind == "f")):
                what = f"dtype {p.dtype}" if isinstance(p, np.ndarray) else type(p).__name__
                raise DTypeError(
                    f"{name}.update: params[{key!r}] must be a floating-point array or a number, "
                    f"got {what}; nothing was updated"
                )
            g = grads.get(key)
            if g is None:
                raise InvalidArgumentError(f"{name}.update: grads has no entry for {key!r}")
            same = (g.shape == p.shape if type(p) is np.ndarray and type(g) is np.ndarray
                    else np.shape(g) == np.shape(p))
            kind = np.asarray(g).dtype.kind if isinstance(g, (np.ndarray, numbers.Number)) else ""
            if kind not in ("f", "i", "u"):
                what = f"dtype {g.dtype}" if isinstance(g, np.ndarray) else type(g).__name__
                raise DTypeError(
                    f"{name}.update: grads[{key!r}] must be a numeric array, got {what}; "
                    "nothing was updated"
                )
            if not same:
                raise ShapeError(
                    f"{name}.update: grads[{key!r}] has shape {np.shape(g)}, but "
                    f"params[{key!r}] has shape {np.shape(p)}"
                )
        self.begin_step()
        state = self.state
        for key, p in params.items():
            g = grads[key]
            number = type(p) is not np.ndarray and isinstance(p, numbers.Number)
            if number or not isinstance(p, np.ndarray):
                # A plain number (the book's optimizer_compare_naive.py): update a copy and
                # store a new number, as ``params[key] -= ...`` does on a float.
                p = np.array(p, dtype=np.float64)
            s = state.get(key)
            if s is None or (s and s[0].shape != p.shape):
                s = state[key] = self.new_state(p)
            self.apply(p, g, s)
            if number:
                params[key] = p.item()
            elif p is not params[key]:
                params[key] = p


class SGD(BookOptimizer, SGDRule):
    """``SGD(lr=0.01)``: p -= lr * g."""


class Momentum(BookOptimizer, MomentumRule):
    """``Momentum(lr=0.01, momentum=0.9)``: v = momentum v - lr g;  p += v."""


class Nesterov(BookOptimizer, NesterovRule):
    """``Nesterov(lr=0.01, momentum=0.9)``, the book's form of Nesterov's accelerated gradient:
    p += momentum^2 v;  p -= (1 + momentum) lr g;  then v = momentum v - lr g."""


class AdaGrad(BookOptimizer, AdaGradRule):
    """``AdaGrad(lr=0.01)``: h += g^2;  p -= lr g / (sqrt(h) + 1e-7)."""


class RMSprop(BookOptimizer, RMSpropRule):
    """``RMSprop(lr=0.01, decay_rate=0.99)``."""


class Adam(BookOptimizer, AdamRule):
    """``Adam(lr=0.001, beta1=0.9, beta2=0.999)``, the book's form with lr_t."""
