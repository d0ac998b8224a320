"""Optimizers: ``opt = ag.optim.Adam(model.parameters(), lr=1e-3); opt.step(); opt.zero_grad()``.

The update rules live once, on arrays, in :mod:`autograd_lite.optim.rules`; the book's calling
style (``ag.book.Adam().update(params, grads)``) shares them.
"""

from .optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, Optimizer, RMSprop
from .rules import AdaGradRule, AdamRule, MomentumRule, NesterovRule, RMSpropRule, Rule, SGDRule

__all__ = [
    "Optimizer", "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam",
    "Rule", "SGDRule", "MomentumRule", "NesterovRule", "AdaGradRule", "RMSpropRule", "AdamRule",
]
