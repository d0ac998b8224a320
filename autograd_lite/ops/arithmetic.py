"""Elementwise arithmetic: Add, Sub, Mul, Div, Neg, Pow, Exp, Log.

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
    """y = x ** p.   VJP: gx = g * p * x^(p-1),  gp = g * y * log(x)   (gp needs x > 0)."""

    label = "Pow"
    domain = Domain(arity=2, shapes="broadcast", low=(0.3, -2.0), high=(2.0, 2.0))

    @staticmethod
    def forward(x, p):
        y = x**p
        return y, (x, p, y)

    @staticmethod
    def backward(saved, g, needs):
        x, p, y = saved
        gx = g * p * x ** (p - 1) if needs[0] else None
        gp = g * y * np.log(x) if needs[1] else None
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
