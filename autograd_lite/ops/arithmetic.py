"""Elementwise arithmetic: Add, Sub, Mul, Div, Neg, Pow, Exp, Log, Sqrt, LogAddExp.

Binary ops broadcast like NumPy. Their backward returns gradients at the broadcast output
shape; the engine sums them back to each input's shape (one place, not every op).
"""

from __future__ import annotations

import numpy as np

from ..op import Domain, Op


class Add(Op):
    """y = a + b.   VJP: ga = g, gb = g."""

    label = "Add"
    domain = Domain(arity=2, shapes="broadcast")

    @staticmethod
    def forward(a, b):
        return a + b, None

    @staticmethod
    def backward(saved, g):
        return g, g


class Sub(Op):
    """y = a - b.   VJP: ga = g, gb = -g."""

    label = "Sub"
    domain = Domain(arity=2, shapes="broadcast")

    @staticmethod
    def forward(a, b):
        return a - b, None

    @staticmethod
    def backward(saved, g, needs):
        return g, (-g if needs[1] else None)


class Mul(Op):
    """y = a * b.   VJP: ga = g * b, gb = g * a   (the book's MulLayer swaps its inputs)."""

    label = "Mul"
    domain = Domain(arity=2, shapes="broadcast")

    @staticmethod
    def forward(a, b):
        return a * b, (a, b)

    @staticmethod
    def backward(saved, g, needs):
        a, b = saved
        return (g * b if needs[0] else None), (g * a if needs[1] else None)


class Div(Op):
    """y = a / b.   VJP: ga = g / b, gb = -g * a / b^2."""

    label = "Div"
    domain = Domain(arity=2, shapes="broadcast", avoid=(0.0,), margin=0.3)

    @staticmethod
    def forward(a, b):
        return a / b, (a, b)

    @staticmethod
    def backward(saved, g, needs):
        a, b = saved
        ga = g / b if needs[0] else None
        gb = -g * a / (b * b) if needs[1] else None
        return ga, gb


class Neg(Op):
    """y = -x.   VJP: gx = -g."""

    label = "Neg"
    domain = Domain(arity=1)

    @staticmethod
    def forward(x):
        return -x, None

    @staticmethod
    def backward(saved, g):
        return (-g,)


class Pow(Op):
    """y = x ** p.   VJP: gx = g * p * x^(p-1),  gp = g * y * log(x).

    Where the formulas give 0 * inf the derivative still exists: at x == 0 and p == 0 (y = 1)
    gx is 0, and at x == 0 with p > 0 (y = 0) gp is 0, as in PyTorch. gp of a negative x is NaN.
    """

    label = "Pow"
    domain = Domain(arity=2, shapes="broadcast", low=(0.3, -2.0), high=(2.0, 2.0))

    @staticmethod
    def forward(x, p):
        y = x**p
        return y, (x, p, y)

    @staticmethod
    def backward(saved, g, needs):
        x, p, y = saved
        zero = x == 0
        gx = gp = None
        if needs[0]:
            # p * x^(p-1) with the exponent replaced where x == p == 0, so 0 * 0^-1 is never formed
            gx = g * p * x ** np.where(zero & (p == 0), 1, p - 1)
        if needs[1]:
            gp = g * y * np.log(np.where(zero, 1, x))  # log(1) = 0 where x == 0
        return gx, gp


class Exp(Op):
    """y = e^x.   VJP: gx = g * y."""

    label = "Exp"
    domain = Domain(arity=1)

    @staticmethod
    def forward(x):
        y = np.exp(x)
        return y, y

    @staticmethod
    def backward(y, g):
        return (g * y,)


class Log(Op):
    """y = ln x (natural log).   VJP: gx = g / x."""

    label = "Log"
    domain = Domain(arity=1, low=0.2, high=3.0)

    @staticmethod
    def forward(x):
        return np.log(x), x

    @staticmethod
    def backward(x, g):
        return (g / x,)


class Sqrt(Op):
    """y = sqrt(x).   VJP: gx = g / (2 y)."""

    label = "Sqrt"
    domain = Domain(arity=1, low=0.3, high=3.0)

    @staticmethod
    def forward(x):
        y = np.sqrt(x)
        return y, y

    @staticmethod
    def backward(y, g):
        return (g / (2 * y),)


class LogAddExp(Op):
    """y = log(e^a + e^b), computed without overflow.   VJP: ga = g e^(a-y),  gb = g e^(b-y).

    ``logaddexp(0, x)`` is the softplus log(1 + e^x), which the sigmoid and its loss are built on.
    """

    label = "LogAddExp"
    domain = Domain(arity=2, shapes="broadcast", low=-4.0, high=4.0)

    @staticmethod
    def forward(a, b):
        y = np.logaddexp(a, b)
        return y, (a, b, y)

    @staticmethod
    def backward(saved, g, needs):
        a, b, y = saved
        ga = g * np.exp(a - y) if needs[0] else None
        gb = g * np.exp(b - y) if needs[1] else None
        return ga, gb
