"""``Tensor`` and ``apply``, the one place that records the graph.

A Tensor wraps a NumPy array. Applying an op to tensors that need gradients records a ``Node``
on the result; ``backward()`` walks those nodes with the chain rule (``engine.py``).
"""

from __future__ import annotations

import numbers

import numpy as np

from . import engine
from .engine import Node
from .errors import (
    AnomalyError,
    DTypeError,
    InPlaceError,
    InvalidArgumentError,
    NotDifferentiableError,
    OpDefinitionError,
    ShapeError,
)
from .modes import ANOMALY, GRAD_ENABLED, SCOPE
from .ops import (
    Add,
    Cast,
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


def _as_data(data, dtype, requires_grad, name) -> tuple[np.ndarray, bool]:
    """The array a new Tensor holds and whether it requires a gradient: a float copy of
    ``data`` (numbers, lists, ints and bools become float64 unless ``dtype`` says otherwise).
    Integer and boolean tensors never require a gradient (PyTorch's rule)."""
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
            f"Tensor{_named(name)}: data must be real numbers, got dtype {array.dtype} "
            f"({type(data).__name__})"
        )
    if dtype is None and kind in "biu":
        array = array.astype(np.float64)
    elif array.dtype.kind != "f":
        if requires_grad:
            raise DTypeError(
                f"Tensor{_named(name)}: requires_grad=True needs floating-point data, got "
                f"dtype {array.dtype}; use a float dtype or requires_grad=False"
            )
        return array, False
    return array, True if requires_grad is None else bool(requires_grad)


def _named(name) -> str:
    return f" {name!r}" if name else ""


class Tensor:
    """An array that remembers how it was made, so ``backward()`` can compute gradients.

    ``Tensor(data, requires_grad=None, name=None, dtype=None)``: numbers, lists and integer or
    boolean arrays become float64; float32 stays float32; ``dtype=`` overrides. A floating-point
    tensor requires a gradient unless ``requires_grad=False``; an integer or boolean one (labels,
    indices) never does. The data is copied, so an optimizer step never changes the caller's array.
    """

    # An op result also records how it was made; ``node`` shows these fields as a ``Node``.
    __slots__ = (
        "data", "grad", "requires_grad", "name",
        "_op", "_inputs", "_params", "_saved", "_needs", "_scope",
        "__weakref__",
    )
    __hash__ = object.__hash__  # == compares values (as NumPy); a tensor hashes by identity

    def __init__(self, data, requires_grad: bool | None = None, name: str | None = None,
                 dtype=None):
        if isinstance(data, Tensor):
            data = data.data
        if name is not None and not isinstance(name, str):
            raise InvalidArgumentError(f"Tensor: name must be a string, got {type(name).__name__}")
        self.data, self.requires_grad = _as_data(data, dtype, requires_grad, name)
        self.grad = None
        self.name = name
        self._op = self._inputs = self._params = self._saved = self._needs = self._scope = None

    @classmethod
    def _wrap(cls, data: np.ndarray, requires_grad: bool, name=None) -> Tensor:
        """Wrap an array as a leaf without copying or checking it (the engine's fast path)."""
        t = cls.__new__(cls)
        t.data = data
        t.grad = None
        t.requires_grad = requires_grad
        t.name = name
        t._op = t._inputs = t._params = t._saved = t._needs = t._scope = None
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

    def __float__(self) -> float:
        return float(self.item())

    def numpy(self) -> np.ndarray:
        """The data array (not a copy): the values, without the graph."""
        return self.data

    def detach(self) -> Tensor:
        """A new leaf sharing this data, cut from the graph, that needs no gradient."""
        return Tensor._wrap(self.data, False, self.name)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (``.grad`` becomes None)."""
        self.grad = None

    def backward(self, grad=None, *, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Compute gradients of this tensor with respect to every tensor that needs one.

        ``.grad`` accumulates across calls (call ``zero_grad()`` or ``optimizer.zero_grad()``
        between steps). A non-scalar tensor needs ``grad``, the upstream gradient of the same
        shape. The graph's residuals are freed afterwards unless ``retain_graph=True``.

        With ``create_graph=True`` the pass is itself recorded: each leaf's ``.grad`` is a Tensor
        whose graph leads back to the inputs, so it can be differentiated again (op results'
        ``.grad`` stay plain arrays); ``retain_graph`` then defaults to True.
        """
        engine.backward(self, grad, retain_graph, create_graph)

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
        if self.data.ndim == 0:
            raise ShapeError("len: a 0-d tensor has no length (use .item() for its value)")
        return len(self.data)

    # ----- NumPy's protocols (the tables are in numpy_api.py) --------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return numpy_api.ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return numpy_api.function(func, args, kwargs)

    def __array__(self, dtype=None, copy=None):
        """``np.asarray(t)``: the values, for a tensor that needs no gradient. One that does is
        refused, as PyTorch refuses ``.numpy()``: the array would be cut off from the graph."""
        if self.requires_grad:
            raise NotDifferentiableError(
                f"np.asarray/np.array: the tensor{_named(self.name)} requires a gradient, and "
                "a NumPy array made from it would be cut off from the graph. Use t.data (or "
                "t.detach()) for its values, or a NumPy function autograd_lite records"
            )
        if copy:
            return np.array(self.data, dtype=dtype, copy=True)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    # ----- operators ------------------------------------------------------------------------
    # A Python number on the other side is made a constant here (``_operand``), where the
    # tensor's dtype is at hand: ``t * 0.5`` is the most common use of a constant.
    def __add__(self, other): return apply(Add, self, _operand(other, self))  # noqa: E704
    def __radd__(self, other): return apply(Add, _operand(other, self), self)  # noqa: E704
    def __sub__(self, other): return apply(Sub, self, _operand(other, self))  # noqa: E704
    def __rsub__(self, other): return apply(Sub, _operand(other, self), self)  # noqa: E704
    def __mul__(self, other): return apply(Mul, self, _operand(other, self))  # noqa: E704
    def __rmul__(self, other): return apply(Mul, _operand(other, self), self)  # noqa: E704
    def __truediv__(self, other): return apply(Div, self, _operand(other, self))  # noqa: E704
    def __rtruediv__(self, other): return apply(Div, _operand(other, self), self)  # noqa: E704
    def __pow__(self, other): return apply(Pow, self, _operand(other, self))  # noqa: E704
    def __rpow__(self, other): return apply(Pow, _operand(other, self), self)  # noqa: E704
    def __matmul__(self, other): return apply(MatMul, self, other)  # noqa: E704
    def __rmatmul__(self, other): return apply(MatMul, other, self)  # noqa: E704
    def __neg__(self): return apply(Neg, self)  # noqa: E704
    def __pos__(self): return self  # noqa: E704

    # Comparisons give plain boolean arrays: they have no gradient.
    def __lt__(self, other): return self.data < _values(other)  # noqa: E704
    def __le__(self, other): return self.data <= _values(other)  # noqa: E704
    def __gt__(self, other): return self.data > _values(other)  # noqa: E704
    def __ge__(self, other): return self.data >= _values(other)  # noqa: E704
    def __eq__(self, other): return self.data == _values(other)  # noqa: E704
    def __ne__(self, other): return self.data != _values(other)  # noqa: E704

    # In place: refused on a tensor that records gradients (see _in_place).
    def __iadd__(self, other): return self._in_place("+=", np.add, other)  # noqa: E704
    def __isub__(self, other): return self._in_place("-=", np.subtract, other)  # noqa: E704
    def __imul__(self, other): return self._in_place("*=", np.multiply, other)  # noqa: E704
    def __itruediv__(self, other): return self._in_place("/=", np.true_divide, other)  # noqa: E704
    def __ipow__(self, other): return self._in_place("**=", np.power, other)  # noqa: E704

    def __setitem__(self, index, value):
        self._in_place("[...] =", None, value, index)

    def _in_place(self, what: str, ufunc, other, index=None):
        """``W -= lr * g``, ``x[0] = 0``: allowed on data that needs no gradient and inside
        ``no_grad()`` (changing ``.data``, as an optimizer does), refused otherwise: it would
        silently turn the leaf into a node, or change a value the graph has saved."""
        if self.requires_grad and GRAD_ENABLED.get():
            raise InPlaceError(
                f"Tensor{_named(self.name)} {what}: in-place changes to a tensor that requires a "
                "gradient are not recorded. To update a parameter, change its data: "
                "`with ag.no_grad(): W -= lr * W.grad` (or `W.data -= lr * W.grad`), or use an "
                "optimizer from ag.optim; to compute a new value, write `y = x + 1`"
            )
        value = np.asarray(_values(other))
        if value.dtype.kind not in "biuf":
            raise DTypeError(f"Tensor {what}: the value must be real numbers, got {value.dtype}")
        if index is None:
            ufunc(self.data, value, out=self.data, casting="same_kind")
        else:
            self.data[index] = value
        return self

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

    def argmax(self, axis=None) -> np.ndarray:
        """The index of the largest value (a plain array: indices have no gradient)."""
        return self.data.argmax(axis=axis)

    def reshape(self, *shape) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return apply(Reshape, self, shape=shape)

    def transpose(self, *axes) -> Tensor:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return apply(Transpose, self, axes=axes or None)

    def astype(self, dtype, copy: bool = True) -> Tensor:
        """This tensor converted to ``dtype``; recorded, so the gradient is converted back."""
        dtype = np.dtype(dtype)
        if dtype == self.data.dtype and not copy:
            return self
        return apply(Cast, self, dtype=dtype)

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


def _values(x):
    return x.data if isinstance(x, Tensor) else x


def _constant(value, dtype) -> np.ndarray:
    """A raw NumPy array or Python number used in an expression: a constant with no gradient.

    Python numbers take the dtype of the float tensors they meet, so ``t32 * 2`` stays float32.
    """
    if type(value) is float or type(value) is int or (
        isinstance(value, numbers.Number) and not isinstance(value, (bool, np.bool_))
    ):
        if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real):
            raise DTypeError(f"cannot use the complex number {value!r} in an expression; "
                             "autograd_lite computes with real numbers")
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
    """A Python number as a constant array: of ``dtype`` when that is a float dtype, float64
    otherwise."""
    return np.array(value, dtype if dtype is not None and dtype.kind == "f" else np.float64)


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
    Numbers take the dtype of the first float tensor; Tensors stay Tensors in the node's inputs."""
    dtype = None
    for x in inputs:
        if isinstance(x, Tensor) and x.data.dtype.kind == "f":
            dtype = x.data.dtype
            break
    node_inputs = list(inputs)
    for i, array in enumerate(arrays):
        if array is None:
            arrays[i] = node_inputs[i] = _constant(inputs[i], dtype)
    return tuple(node_inputs)


def _to_float(op, inputs, arrays) -> tuple:
    """Built-in ops compute in floating point. Integer and boolean inputs (other than labels,
    masks and conditions, the op's ``nondiff`` inputs) take the float dtype of the other inputs, or
    float64: ``sigmoid(np.array([1, 2]))`` is not computed in integers (PyTorch's rule).
    Complex and non-numeric arrays are refused."""
    for i, a in enumerate(arrays):
        if a.dtype.kind != "f" and i not in op.nondiff:
            break
    else:  # only labels or masks are not float (a loss's class indices): nothing to convert
        return inputs
    dtype = next((a.dtype for a in arrays if a.dtype.kind == "f"), np.dtype(np.float64))
    node_inputs = list(inputs)
    for i, a in enumerate(arrays):
        kind = a.dtype.kind
        if kind == "f" or i in op.nondiff:
            continue
        if kind not in "biu":
            raise DTypeError(
                f"{op.label}: input {i} has dtype {a.dtype}; autograd_lite computes with real "
                "numbers (float, or int and bool, which become float)"
            )
        arrays[i] = a.astype(dtype)
        if not isinstance(inputs[i], Tensor):
            node_inputs[i] = arrays[i]
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
    has_constants = not_float = False
    for x in inputs:
        if isinstance(x, Tensor):
            arrays.append(x.data)
            needs.append(x.requires_grad)
            not_float = not_float or not x.requires_grad and x.data.dtype.kind != "f"
        elif type(x) is np.ndarray:  # data or labels: a constant as it is
            arrays.append(x)
            needs.append(False)
            not_float = not_float or x.dtype.kind != "f"
        else:  # a number or a list: made a constant array below
            arrays.append(None)
            needs.append(False)
            has_constants = True
    if has_constants:
        inputs = _with_constants(inputs, arrays)
        not_float = True
    if not_float and op.builtin:
        inputs = _to_float(op, inputs, arrays)
    if op.nondiff:  # labels and masks take no gradient, even when they come as Tensors
        for i in op.nondiff:
            needs[i] = False
    try:
        out = op.forward(*arrays, **params) if params else op.forward(*arrays)
    except np.exceptions.AxisError as e:
        raise InvalidArgumentError(f"{op.label}: {e}") from None
    except ValueError as e:
        if isinstance(e, (InvalidArgumentError, ShapeError)) or "broadcast" not in str(e):
            raise
        shapes = ", ".join(str(a.shape) for a in arrays)
        raise ShapeError(
            f"{op.label}: inputs of shapes {shapes} cannot be broadcast together"
        ) from None
    if type(out) is not tuple or len(out) != 2:
        raise OpDefinitionError(
            f"{op.label}: forward must return a pair (y, saved), got "
            f"{type(out).__name__}{' of length ' + str(len(out)) if isinstance(out, tuple) else ''}"
            "; end forward with `return y, saved` (saved may be None)"
        )
    y, saved = out
    if type(y) is not np.ndarray:  # NumPy gives scalars for 0-d results
        scalar, y = y, np.asarray(y)
        if saved is scalar:
            saved = y  # still "the output": the engine recognises it under create_graph
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
    return t


_new_tensor = Tensor.__new__
Tensor._record = staticmethod(apply)  # for op.call: an op used inside a backward, on Tensors

from . import numpy_api  # noqa: E402  (its tables name Tensor and apply, defined above)
