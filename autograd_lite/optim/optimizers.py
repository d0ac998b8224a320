"""Optimizers over Tensor parameters: ``opt = Adam(model.parameters(), lr=1e-3)``.

Each class is an update rule from ``rules.py`` plus the bookkeeping of :class:`Optimizer`:
``step()`` updates every parameter that has a gradient, in place; ``zero_grad()`` clears them.
"""

from __future__ import annotations

import numpy as np

from ..errors import DTypeError, InvalidArgumentError, ShapeError
from ..tensor import Tensor
from .rules import AdaGradRule, AdamRule, MomentumRule, NesterovRule, RMSpropRule, SGDRule

__all__ = ["Optimizer", "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam"]


class Optimizer:
    """Holds the parameters (in the order given) and one state per parameter.

    Subclasses mix in a rule; the hyperparameters are attributes (``opt.lr = 0.001`` works
    between steps). Parameters whose ``.grad`` is None are left as they are.
    """

    def __init__(self, params, *args, **kwargs):
        name = type(self).__name__
        if isinstance(params, Tensor) or hasattr(params, "named_parameters"):
            raise InvalidArgumentError(
                f"{name}: params must be an iterable of parameters, got "
                f"{type(params).__name__}; pass model.parameters()"
            )
        try:
            params = list(params)
        except TypeError:
            raise InvalidArgumentError(
                f"{name}: params must be an iterable of parameters (model.parameters()), got "
                f"{type(params).__name__}"
            ) from None
        if not params:
            raise InvalidArgumentError(f"{name}: params is empty; there is nothing to optimise")
        unique, seen = [], set()
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise InvalidArgumentError(
                    f"{name}: params[{i}] is a {type(p).__name__}, not a Tensor/Parameter"
                )
            if not p.requires_grad or p.data.dtype.kind != "f":
                raise DTypeError(
                    f"{name}: params[{i}] ({p.name or 'unnamed'}) must be a floating-point "
                    "tensor with requires_grad=True"
                )
            if id(p) not in seen:
                seen.add(id(p))
                unique.append(p)
        self.params = unique
        self.state = [None] * len(unique)
        super().__init__(*args, **kwargs)

    def step(self) -> None:
        """Update each parameter that has a gradient with the rule, in place."""
        params, states = self.params, self.state
        name = type(self).__name__
        for p in params:  # every gradient is checked before any parameter changes
            g = p.grad
            if g is None:
                continue
            if isinstance(g, Tensor):  # after backward(create_graph=True): its values
                g = g.data
            if not isinstance(g, np.ndarray) or g.dtype.kind not in "fiu":
                what = f"dtype {g.dtype}" if isinstance(g, np.ndarray) else type(g).__name__
                raise DTypeError(
                    f"{name}.step: the gradient of parameter {p.name or 'unnamed'} must be a "
                    f"numeric array, got {what}; nothing was updated"
                )
            if g.shape != p.data.shape:
                raise ShapeError(
                    f"{name}.step: parameter {p.name or 'unnamed'} has shape "
                    f"{p.data.shape} but its gradient has shape {g.shape}"
                )
        self.begin_step()
        for i, p in enumerate(params):
            g = p.grad
            if g is None:
                continue
            if isinstance(g, Tensor):  # the step uses the values, as PyTorch's does
                g = g.data
            state = states[i]
            if state is None:
                state = states[i] = self.new_state(p.data)
            self.apply(p.data, g, state)

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``.grad`` becomes None)."""
        for p in self.params:
            p.grad = None


class SGD(Optimizer, SGDRule):
    """``SGD(params, lr=0.01, weight_decay=0.0)``: p -= lr * g."""


class Momentum(Optimizer, MomentumRule):
    """``Momentum(params, lr=0.01, momentum=0.9, weight_decay=0.0)``: v = m v - lr g; p += v."""


class Nesterov(Optimizer, NesterovRule):
    """``Nesterov(params, lr=0.01, momentum=0.9, weight_decay=0.0)``, the book's form: the step
    uses the previous velocity, then the velocity is updated (see :class:`NesterovRule`)."""


class AdaGrad(Optimizer, AdaGradRule):
    """``AdaGrad(params, lr=0.01, eps=1e-7, weight_decay=0.0)``."""


class RMSprop(Optimizer, RMSpropRule):
    """``RMSprop(params, lr=0.01, decay_rate=0.99, eps=1e-7, weight_decay=0.0)``."""


class Adam(Optimizer, AdamRule):
    """``Adam(params, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7, weight_decay=0.0)``."""
