"""``Tensor`` and ``apply``, the one place that records the graph.

A Tensor wraps a NumPy array. Applying an op to tensors that need gradients records a ``Node``
on the result; ``backward()`` walks those nodes with the chain rule (``engine.py``).
"""

from __future__ import annotations

import numbers

import numpy as np

from . import engine
from .engine import Node, _next_seq
from .errors import AnomalyError, DTypeError, InvalidArgumentError, ShapeError
from .modes import ANOMALY, GRAD_ENABLED, SCOPE
from .ops import (
    Add,
    Div,
    Exp,
    GetItem,
    Log,
    MatMul,
    Max,
    Mean,
    Mul,
    Neg,
    Pow,
    ReLU,
    Reshape,
    Sigmoid,
    Sub,
    Sum,
    Tanh,
    Transpose,
)


def _as_data(data, dtype, requires_grad: bool, name) -> np.ndarray:
    """The array a new Tensor holds: a float copy of ``data`` (ints and bools become float64)."""
    try:
        array = np.array(data, dtype=dtype, copy=True)
    except (TypeError, ValueError) as e:
        raise DTypeError(
            f"Tensor{_named(name)}: data must be numeric (a number, list or array), got "
            f"{type(data).__name__}: {e}"
        ) from None
    kind = array.dtype.kind
    if kind not in "biuf":
        raise DTypeError(
            f"Tensor{_named(name)}: data must be numeric, got dtype {array.dtype} "
            f"({type(data).__name__})"
        )
    if dtype is None and kind in "biu":
        array = array.astype(np.float64)
    elif requires_grad and kind != "f":
        raise DTypeError(
            f"Tensor{_named(name)}: requires_grad=True needs floating-point data, got dtype "
            f"{array.dtype}; use a float dtype or requires_grad=False"
        )
    return array


def _named(name) -> str:
    return f" {name!r}" if name else ""


class Tensor:
    """An array that remembers how it was made, so ``backward()`` can compute gradients.

    ``Tensor(data, requires_grad=True, name=None, dtype=None)``: numbers, lists and integer or
    boolean arrays become float64; float32 stays float32; ``dtype=`` overrides. The data is
    copied, so the caller's array is never changed by an optimizer step.
    """

    # An op result also records how it was made; ``node`` shows these fields as a ``Node``.
    # They live on the tensor, not in a separate object, so a recorded op costs one Python
    # object (and its inputs tuple) for the garbage collector to scan, not two.
    __slots__ = (
        "data", "grad", "requires_grad", "name",
        "_op", "_inputs", "_params", "_saved", "_needs", "_scope", "_seq",
        "__weakref__",
    )
    # NumPy defers to our reflected operators: ``np_array * t`` is a Tensor.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad: bool = True, name: str | None = None, dtype=None):
        if isinstance(data, Tensor):
            data = data.data
        if name is not None and not isinstance(name, str):
            raise InvalidArgumentError(f"Tensor: name must be a string, got {type(name).__name__}")
        self.data = _as_data(data, dtype, bool(requires_grad), name)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self._op = self._inputs = self._params = self._saved = self._needs = None
        self._scope = self._seq = None

    @classmethod
    def _wrap(cls, data: np.ndarray, requires_grad: bool, name=None) -> Tensor:
        """Wrap an array as a leaf without copying or checking it (the engine's fast path)."""
        t = cls.__new__(cls)
        t.data = data
        t.grad = None
        t.requires_grad = requires_grad
        t.name = name
        t._op = t._inputs = t._params = t._saved = t._needs = t._scope = t._seq = None
        return t

    # ----- inspection ---------------------------------------------------------------------
    shape = property(lambda self: self.data.shape, doc="The data's shape.")
    ndim = property(lambda self: self.data.ndim, doc="The data's number of dimensions.")
    size = property(lambda self: self.data.size, doc="The data's number of elements.")
    dtype = property(lambda self: self.data.dtype, doc="The data's dtype.")

    @property
    def node(self) -> Node | None:
        """The node that made this tensor (its ``.label``, ``.inputs``, ``.params``), or None."""
        return None if self._op is None else Node(self)

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user made (parameters, data), False for op results."""
        return self._op is None

    def item(self) -> float:
        """The value of a single-element tensor as a Python number."""
        if self.data.size != 1:
            raise ShapeError(f"item: the tensor has shape {self.shape}; item() needs one element")
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The data array (not a copy)."""
        return self.data

    def detach(self) -> Tensor:
        """A new leaf sharing this data, cut from the graph, that needs no gradient."""
        return Tensor._wrap(self.data, False, self.name)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (``.grad`` becomes None)."""
        self.grad = None

    def backward(self, grad=None, retain_graph: bool = False) -> None:
        """Compute gradients of this tensor with respect to every tensor that needs one.

        ``.grad`` accumulates across calls (call ``zero_grad()`` or ``optimizer.zero_grad()``
        between steps). The graph's residuals are freed afterwards unless ``retain_graph=True``.
        A non-scalar tensor needs ``grad``, the upstream gradient of the same shape.
        """
        engine.backward(self, grad, retain_graph)

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, separator=", ", threshold=20)
        parts = [body]
        if self.name:
            parts.append(f"name={self.name!r}")
        if self._op is not None:
            parts.append(f"node={self._op.label}")
        elif self.requires_grad:
            parts.append("requires_grad=True")
        return "Tensor(" + ", ".join(parts) + ")"

    def __len__(self) -> int:
        return len(self.data)

    # ----- operators ------------------------------------------------------------------------
    # A Python number on the other side is made a constant here (``_operand``), where the
    # tensor's dtype is at hand: ``t * 0.5`` is the most common use of a constant.
    def __add__(self, other):
        return apply(Add, self, _operand(other, self))

    def __radd__(self, other):
        return apply(Add, _operand(other, self), self)

    def __sub__(self, other):
        return apply(Sub, self, _operand(other, self))

    def __rsub__(self, other):
        return apply(Sub, _operand(other, self), self)

    def __mul__(self, other):
        return apply(Mul, self, _operand(other, self))

    def __rmul__(self, other):
        return apply(Mul, _operand(other, self), self)

    def __truediv__(self, other):
        return apply(Div, self, _operand(other, self))

    def __rtruediv__(self, other):
        return apply(Div, _operand(other, self), self)

    def __pow__(self, other):
        return apply(Pow, self, _operand(other, self))

    def __rpow__(self, other):
        return apply(Pow, _operand(other, self), self)

    def __matmul__(self, other):
        return apply(MatMul, self, other)

    def __rmatmul__(self, other):
        return apply(MatMul, other, self)

    def __neg__(self):
        return apply(Neg, self)

    def __getitem__(self, index):
        if isinstance(index, Tensor):
            index = index.data
        elif isinstance(index, tuple):
            index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
        return apply(GetItem, self, index=index)

    # ----- methods --------------------------------------------------------------------------
    @property
    def T(self) -> Tensor:
        """The transpose (axes reversed)."""
        return apply(Transpose, self, axes=None)

    def sum(self, axis=None, keepdims: bool = False) -> Tensor:
        return apply(Sum, self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims: bool = False) -> Tensor:
        return apply(Mean, self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims: bool = False) -> Tensor:
        return apply(Max, self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return apply(Reshape, self, shape=shape)

    def transpose(self, *axes) -> Tensor:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return apply(Transpose, self, axes=axes or None)

    def exp(self) -> Tensor:
        return apply(Exp, self)

    def log(self) -> Tensor:
        return apply(Log, self)

    def relu(self) -> Tensor:
        return apply(ReLU, self)

    def sigmoid(self) -> Tensor:
        return apply(Sigmoid, self)

    def tanh(self) -> Tensor:
        return apply(Tanh, self)

    # ----- pictures (the viz package sits above the engine, so it is imported on use) -------
    def to_dot(self, **options):
        """The graph that made this tensor as DOT; see :func:`autograd_lite.to_dot`."""
        from .viz import to_dot

        return to_dot(self, **options)

    def render(self, path, **options):
        """Write the graph picture to ``path`` (.png, .svg, .pdf, .dot); see :func:`render`."""
        from .viz import render

        return render(self, path, **options)


def _constant(value, dtype) -> np.ndarray:
    """A raw NumPy array or Python number used in an expression: a constant with no gradient.

    Python numbers take the dtype of the float tensors they meet, so ``t32 * 2`` stays float32;
    with an integer or boolean tensor NumPy's promotion applies (``int_tensor * 0.5`` is float).
    """
    if type(value) is float or type(value) is int or (
        isinstance(value, numbers.Number) and not isinstance(value, (bool, np.bool_))
    ):
        return _number(value, dtype)
    if isinstance(value, np.ndarray):
        return value
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as e:
        raise DTypeError(f"cannot use a {type(value).__name__} as an array: {e}") from None
    if array.dtype.kind not in "biuf":
        raise DTypeError(
            f"cannot use a {type(value).__name__} of dtype {array.dtype} in an expression; "
            "numbers and numeric arrays only"
        )
    return array


def _number(value, dtype) -> np.ndarray:
    """A Python number as a constant array: of ``dtype`` when that is a float dtype, of NumPy's
    own choice next to an integer or boolean tensor, float64 when no tensor is in sight."""
    if dtype is None:
        return np.array(value, np.float64)
    return np.array(value, dtype) if dtype.kind == "f" else np.array(value)


def _operand(value, tensor: Tensor):
    """The other operand of one of ``tensor``'s arithmetic operators: a Python number becomes
    a constant of the tensor's dtype before ``apply`` sees it; anything else is left to
    ``apply``."""
    if type(value) is float or type(value) is int:
        return _number(value, tensor.data.dtype)
    return value


def _with_constants(inputs, arrays) -> tuple:
    """Make every raw value among ``inputs`` a constant array, both in ``arrays`` (what the op
    sees; the raw values' places hold None) and in the node's inputs, which are returned.
    Numbers take the dtype of the first tensor; Tensors stay Tensors in the node's inputs."""
    dtype = None
    for x in inputs:
        if isinstance(x, Tensor):
            dtype = x.data.dtype
            break
    node_inputs = list(inputs)
    for i, array in enumerate(arrays):
        if array is None:
            arrays[i] = node_inputs[i] = _constant(inputs[i], dtype)
    return tuple(node_inputs)


#: One shared tuple per pattern of which inputs need a gradient ((True, False), ...), so the
#: nodes of a long graph do not each allocate their own: fewer objects for the garbage collector.
_NEEDS: dict[tuple, tuple] = {}


def apply(op, *inputs, **params) -> Tensor:
    """Run ``op.forward`` on the inputs' arrays and record a node when a gradient is needed.

    Tensors keep their identity as inputs; raw arrays and numbers become constants.
    """
    arrays = []
    needs = []
    has_constants = False
    for x in inputs:
        if isinstance(x, Tensor):
            arrays.append(x.data)
            needs.append(x.requires_grad)
        elif type(x) is np.ndarray:  # data or labels: a constant as it is
            arrays.append(x)
            needs.append(False)
        else:  # a number or a list: made a constant array below
            arrays.append(None)
            needs.append(False)
            has_constants = True
    if has_constants:
        inputs = _with_constants(inputs, arrays)
    try:
        y, saved = op.forward(*arrays, **params) if params else op.forward(*arrays)
    except np.exceptions.AxisError as e:
        raise InvalidArgumentError(f"{op.label}: {e}") from None
    except ValueError as e:
        if isinstance(e, (InvalidArgumentError, ShapeError)) or "broadcast" not in str(e):
            raise
        shapes = ", ".join(str(a.shape) for a in arrays)
        raise ShapeError(
            f"{op.label}: inputs of shapes {shapes} cannot be broadcast together"
        ) from None
    if type(y) is not np.ndarray:
        y = np.asarray(y)
    if ANOMALY.get() and not np.all(np.isfinite(y)):
        bad = [str(i) for i, a in enumerate(arrays) if not np.all(np.isfinite(a))]
        where = (
            f"; input(s) {', '.join(bad)} already held NaN/inf" if bad else " from finite inputs"
        )
        raise AnomalyError(
            f"{op.label}: the forward output contains NaN or inf{where} (detect_anomaly)"
        )
    if not (True in needs and GRAD_ENABLED.get()):
        return Tensor._wrap(y, False)
    needs = tuple(needs)
    needs = _NEEDS.setdefault(needs, needs)
    # The result, with the node's fields: how it was made (see ``engine.Node``).
    t = _new_tensor(Tensor)
    t.data = y
    t.grad = None
    t.requires_grad = True
    t.name = None
    t._op = op
    t._inputs = inputs
    t._params = params or None  # most ops have none: no empty dict kept per node
    t._saved = saved
    t._needs = needs
    t._scope = SCOPE.get()
    t._seq = _next_seq()
    return t


_new_tensor = Tensor.__new__
