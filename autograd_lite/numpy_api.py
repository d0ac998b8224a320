"""NumPy's protocols for Tensors: which NumPy ufunc or function is which op.

``np.exp(t)``, ``np.dot(x, W)``, ``np.sum(t, axis=0)``, ``np.maximum(0, t)`` ... on a Tensor record
the op of the same meaning (``Tensor.__array_ufunc__`` and ``__array_function__`` look them up
here), so NumPy code written for arrays, like the book's ``common/functions.py``, is
differentiated as written. It is also what lets every op's NumPy ``backward`` run on Tensors
under ``create_graph``. Comparisons and other piecewise-constant functions give plain arrays.
Anything else raises ``NotDifferentiableError`` naming the function: a result is never silently
cut off from the graph.
"""

from __future__ import annotations

import numpy as np

from .errors import NotDifferentiableError
from .ops import (
    Abs,
    Add,
    BroadcastTo,
    Div,
    Exp,
    Log,
    LogAddExp,
    MatMul,
    Max,
    Maximum,
    Mean,
    Minimum,
    Mul,
    Neg,
    Pow,
    Reshape,
    Sqrt,
    Sub,
    Sum,
    Tanh,
    Transpose,
    Where,
)
from .tensor import Tensor, apply

#: ufunc -> op, for ufuncs that are one op
UFUNC_OPS = {
    np.add: Add, np.subtract: Sub, np.multiply: Mul, np.true_divide: Div, np.negative: Neg,
    np.power: Pow, np.float_power: Pow, np.exp: Exp, np.log: Log, np.sqrt: Sqrt, np.tanh: Tanh,
    np.absolute: Abs, np.maximum: Maximum, np.minimum: Minimum, np.matmul: MatMul,
    np.logaddexp: LogAddExp,
}

#: ufuncs written with the ops above
UFUNC_FORMULAS = {
    np.positive: lambda x: x,
    np.square: lambda x: x * x,
    np.reciprocal: lambda x: 1.0 / x,
    np.exp2: lambda x: apply(Pow, 2.0, x),
    np.log2: lambda x: apply(Log, x) / np.log(2.0),
    np.log10: lambda x: apply(Log, x) / np.log(10.0),
}

#: piecewise-constant ufuncs: their derivative is 0 wherever it exists, so they return plain arrays
CONSTANT_UFUNCS = {
    np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
    np.logical_and, np.logical_or, np.logical_xor, np.logical_not, np.isnan, np.isinf,
    np.isfinite, np.sign, np.signbit, np.floor, np.ceil, np.rint, np.trunc,
}


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def ufunc(func, method: str, inputs: tuple, kwargs: dict):
    """``Tensor.__array_ufunc__``: ``np.exp(t)``, ``array * t``, ``np.maximum(0, t)`` ..."""
    name = f"np.{func.__name__}"
    if method != "__call__" or kwargs.get("out") is not None:
        detail = "out=" if method == "__call__" else f"{name}.{method}"
        raise NotDifferentiableError(
            f"{name}: {detail} writes into an existing array, which a Tensor's graph cannot "
            "record; compute a new value instead (y = f(x)), or work on t.data inside no_grad()"
        )
    extra = {k: v for k, v in kwargs.items() if k != "out"}
    if func in CONSTANT_UFUNCS:
        return func(*(_data(x) for x in inputs), **extra)
    if extra:
        raise NotDifferentiableError(
            f"{name}: the keyword argument(s) {sorted(extra)} are not supported on Tensors"
        )
    op = UFUNC_OPS.get(func)
    if op is not None:
        return apply(op, *inputs)
    formula = UFUNC_FORMULAS.get(func)
    if formula is not None:
        return formula(*inputs)
    raise _unsupported(name)


def function(func, args: tuple, kwargs: dict):
    """``Tensor.__array_function__``: ``np.dot``, ``np.sum``, ``np.where``, ``np.clip`` ..."""
    implementation = FUNCTIONS.get(func)
    if implementation is not None:
        return implementation(*args, **kwargs)
    if func in CONSTANT_FUNCTIONS:
        return func(*(_data(a) for a in args), **{k: _data(v) for k, v in kwargs.items()})
    raise _unsupported(f"np.{func.__name__}")


def _unsupported(name: str) -> NotDifferentiableError:
    return NotDifferentiableError(
        f"{name} has no differentiable op in autograd_lite, so its result would be cut off from "
        f"the graph. Differentiable NumPy on Tensors: {', '.join(sorted(SUPPORTED))}. For a "
        "constant (no gradient) apply it to t.data"
    )


def _no(name: str, **unsupported) -> None:
    for key, value in unsupported.items():
        if value is not None and value is not np._NoValue:
            raise NotDifferentiableError(f"np.{name}: {key}= is not supported on Tensors")


def _reduction(op, name):
    def reduce(a, axis=None, dtype=None, out=None, keepdims=False, **rest):
        _no(name, dtype=dtype, out=out, **rest)
        return apply(op, a, axis=_axis(axis), keepdims=bool(keepdims))

    return reduce


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _min(a, axis=None, out=None, keepdims=False, **rest):
    _no("min", out=out, **rest)
    return -apply(Max, -_tensor(a), axis=_axis(axis), keepdims=bool(keepdims))


def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x, requires_grad=False)


def _dot(a, b, out=None):
    _no("dot", out=out)
    if np.ndim(_data(a)) == 0 or np.ndim(_data(b)) == 0:
        return apply(Mul, a, b)
    if np.ndim(_data(a)) > 2 or np.ndim(_data(b)) > 2:
        raise NotDifferentiableError(
            "np.dot: on Tensors of more than 2 dimensions use np.matmul (or @), whose batch rules "
            f"autograd_lite records; got shapes {np.shape(_data(a))} and {np.shape(_data(b))}"
        )
    return apply(MatMul, a, b)


def _reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    _no("reshape", copy=copy)
    if order != "C":
        raise NotDifferentiableError(f"np.reshape: order={order!r} is not supported on Tensors")
    shape = newshape if shape is None else shape
    return apply(Reshape, a, shape=(shape,) if isinstance(shape, int) else tuple(shape))


def _transpose(a, axes=None):
    return apply(Transpose, a, axes=None if axes is None else tuple(axes))


def _swapaxes(a, axis1, axis2):
    axes = list(range(np.ndim(_data(a))))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return apply(Transpose, a, axes=tuple(axes))


def _expand_dims(a, axis):
    return apply(Reshape, a, shape=np.expand_dims(_data(a), axis).shape)


def _squeeze(a, axis=None):
    return apply(Reshape, a, shape=np.squeeze(_data(a), axis).shape)


def _ravel(a, order="C"):
    return _reshape(a, (-1,), order)


def _broadcast_to(a, shape, subok=False):
    return apply(BroadcastTo, a, shape=(shape,) if isinstance(shape, int) else tuple(shape))


def _where(condition, x=None, y=None):
    if x is None and y is None:
        return np.where(_data(condition))
    return apply(Where, np.asarray(_data(condition), dtype=bool), x, y)


def _clip(a, a_min=None, a_max=None, out=None, **rest):
    _no("clip", out=out, **{k: v for k, v in rest.items() if k not in ("min", "max")})
    a_min = rest.get("min", a_min)
    a_max = rest.get("max", a_max)
    y = a if a_min is None else apply(Maximum, a, a_min)  # a tie keeps the gradient on a
    return y if a_max is None else apply(Minimum, y, a_max)


def _outer(a, b, out=None):
    _no("outer", out=out)
    return apply(Mul, apply(Reshape, a, shape=(-1, 1)), apply(Reshape, b, shape=(1, -1)))


FUNCTIONS = {
    np.dot: _dot, np.sum: _reduction(Sum, "sum"), np.mean: _reduction(Mean, "mean"),
    np.max: _reduction(Max, "max"), np.amax: _reduction(Max, "amax"), np.min: _min,
    np.amin: _min, np.reshape: _reshape, np.transpose: _transpose, np.swapaxes: _swapaxes,
    np.expand_dims: _expand_dims, np.squeeze: _squeeze, np.ravel: _ravel,
    np.broadcast_to: _broadcast_to, np.where: _where, np.clip: _clip, np.outer: _outer,
}

#: functions whose result carries no gradient (shapes, indices, tests, new arrays of a shape)
CONSTANT_FUNCTIONS = {
    np.shape, np.ndim, np.size, np.argmax, np.argmin, np.argsort, np.nonzero, np.count_nonzero,
    np.isclose, np.allclose, np.array_equal, np.any, np.all, np.zeros_like, np.ones_like,
    np.empty_like, np.full_like, np.round, np.around, np.result_type, np.can_cast,
}

SUPPORTED = {f"np.{f.__name__}" for f in (*UFUNC_OPS, *UFUNC_FORMULAS, *FUNCTIONS)} | {"@"}
