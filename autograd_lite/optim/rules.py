"""The update rules, written once on plain arrays and shared by both optimizer families.

``ag.optim.Adam(model.parameters())`` (parameters are Tensors) and ``ag.book.Adam()``
(``update(params, grads)`` over dicts of arrays) both inherit their rule from here, so the two
calling styles cannot drift apart. Each rule follows the book's ``common/optimizer.py``:

- SGD:       p -= lr * g
- Momentum:  v = momentum * v - lr * g;  p += v
- Nesterov:  p += momentum^2 * v;  p -= (1 + momentum) * lr * g;  v = momentum * v - lr * g
- AdaGrad:   h += g * g;  p -= lr * g / (sqrt(h) + eps)
- RMSprop:   h = decay_rate * h + (1 - decay_rate) * g * g;  p -= lr * g / (sqrt(h) + eps)
- Adam:      t += 1;  lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
             m += (1 - beta1) * (g - m);  v += (1 - beta2) * (g^2 - v)
             p -= lr_t * m / (sqrt(v) + eps)

``weight_decay`` (0 by default, not in the book's optimizers) adds the L2 term before the rule:
g <- g + weight_decay * p. The defaults are the book's; ``eps`` is the book's 1e-7.
Every update writes into ``p`` and the state arrays in place, so a dict of arrays updated by
a book optimizer is seen by anything that holds those arrays. Intermediate results go to
scratch arrays kept in the state, in the formulas' order of evaluation: a step allocates no
new arrays (fresh ~300 KB temporaries made the allocator page-fault on every step).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..errors import InvalidArgumentError


def _number(owner: str, name: str, value, low: float, high: float | None = None,
            low_open: bool = True) -> float:
    """``value`` as a float in (low, high) (``[low, ...`` when ``low_open`` is False), or raise."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high
    if not ok:
        bound = f"{'(' if low_open else '['}{low}, {high if high is not None else 'inf'})"
        raise InvalidArgumentError(f"{owner}: {name} must be a number in {bound}, got {value!r}")
    return float(value)


class Rule:
    """Base of the update rules: hyperparameters as attributes, state arrays per parameter.

    ``new_state(p)`` makes a parameter's state, ``begin_step()`` runs once per optimizer step,
    ``apply(p, g, state)`` updates one parameter in place (weight decay, then ``rule``).
    """

    def __init__(self, lr: float, weight_decay: float = 0.0):
        name = type(self).__name__
        self.lr = _number(name, "lr", lr, 0.0)
        self.weight_decay = _number(name, "weight_decay", weight_decay, 0.0, low_open=False)

    def new_state(self, p: np.ndarray) -> list:
        return []

    def begin_step(self) -> None:
        """Called once per step, before the parameters are updated (Adam counts steps)."""

    def apply(self, p: np.ndarray, g: np.ndarray, state: list) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * p
        self.rule(p, g, state)

    def rule(self, p, g, state) -> None:  # pragma: no cover - contract only
        raise NotImplementedError

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if isinstance(v, float))
        return f"{type(self).__name__}({fields})"


class SGDRule(Rule):
    """p -= lr * g."""

    def __init__(self, lr: float = 0.01, weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)

    def new_state(self, p):
        return [np.empty_like(p)]  # scratch

    def rule(self, p, g, state):
        (scratch,) = state
        p -= np.multiply(g, self.lr, out=scratch)


class MomentumRule(Rule):
    """v = momentum * v - lr * g;  p += v."""

    def __init__(self, lr: float = 0.01, momentum: float = 0.9, weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)
        self.momentum = _number(type(self).__name__, "momentum", momentum, 0.0, 1.0, False)

    def new_state(self, p):
        return [np.zeros_like(p), np.empty_like(p)]  # v, scratch

    def rule(self, p, g, state):
        v, scratch = state
        v *= self.momentum
        v -= np.multiply(g, self.lr, out=scratch)
        p += v


class NesterovRule(Rule):
    """p += momentum^2 v;  p -= (1 + momentum) lr g;  then v = momentum v - lr g.

    The book's form (``common/optimizer.py``): the step uses the velocity of the previous
    update, and the velocity is updated after the parameter. Unrolled, this is Nesterov's
    look-ahead written in the shifted variable p + momentum v.
    """

    def __init__(self, lr: float = 0.01, momentum: float = 0.9, weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)
        self.momentum = _number(type(self).__name__, "momentum", momentum, 0.0, 1.0, False)

    def new_state(self, p):
        return [np.zeros_like(p), np.empty_like(p)]  # v, scratch

    def rule(self, p, g, state):
        v, scratch = state
        m = self.momentum
        p += np.multiply(v, m * m, out=scratch)
        p -= np.multiply(g, (1 + m) * self.lr, out=scratch)
        v *= m
        v -= np.multiply(g, self.lr, out=scratch)


def _step_by_root(p, g, h, lr, eps, a, b):
    """p -= lr * g / (sqrt(h) + eps), evaluated in that order, in the scratch arrays a, b."""
    np.sqrt(h, out=a)
    a += eps
    np.multiply(g, lr, out=b)
    b /= a
    p -= b


class AdaGradRule(Rule):
    """h += g * g;  p -= lr * g / (sqrt(h) + eps)."""

    def __init__(self, lr: float = 0.01, eps: float = 1e-7, weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)
        self.eps = _number(type(self).__name__, "eps", eps, 0.0)

    def new_state(self, p):
        return [np.zeros_like(p), np.empty_like(p), np.empty_like(p)]  # h, scratch a, b

    def rule(self, p, g, state):
        h, a, b = state
        h += np.multiply(g, g, out=a)
        _step_by_root(p, g, h, self.lr, self.eps, a, b)


class RMSpropRule(Rule):
    """h = decay_rate * h + (1 - decay_rate) * g * g;  p -= lr * g / (sqrt(h) + eps)."""

    def __init__(self, lr: float = 0.01, decay_rate: float = 0.99, eps: float = 1e-7,
                 weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)
        name = type(self).__name__
        self.decay_rate = _number(name, "decay_rate", decay_rate, 0.0, 1.0, False)
        self.eps = _number(name, "eps", eps, 0.0)

    def new_state(self, p):
        return [np.zeros_like(p), np.empty_like(p), np.empty_like(p)]  # h, scratch a, b

    def rule(self, p, g, state):
        h, a, b = state
        h *= self.decay_rate
        np.multiply(g, 1 - self.decay_rate, out=a)
        a *= g
        h += a
        _step_by_root(p, g, h, self.lr, self.eps, a, b)


class AdamRule(Rule):
    """The book's Adam: bias correction folded into lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t)."""

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-7, weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)
        name = type(self).__name__
        self.beta1 = _number(name, "beta1", beta1, 0.0, 1.0, False)
        self.beta2 = _number(name, "beta2", beta2, 0.0, 1.0, False)
        self.eps = _number(name, "eps", eps, 0.0)
        self.iter = 0
        self._lr_t = 0.0

    def new_state(self, p):
        # m, v, then two scratch arrays
        return [np.zeros_like(p), np.zeros_like(p), np.empty_like(p), np.empty_like(p)]

    def begin_step(self):
        self.iter += 1
        self._lr_t = (self.lr * math.sqrt(1.0 - self.beta2**self.iter)
                      / (1.0 - self.beta1**self.iter))

    def rule(self, p, g, state):
        m, v, a, b = state
        np.subtract(g, m, out=a)  # m += (1 - beta1) (g - m)
        a *= 1 - self.beta1
        m += a
        np.multiply(g, g, out=a)  # v += (1 - beta2) (g^2 - v)
        a -= v
        a *= 1 - self.beta2
        v += a
        _step_by_root(p, m, v, self._lr_t, self.eps, a, b)
