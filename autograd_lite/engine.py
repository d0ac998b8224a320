"""The backward pass: newest node first, the chain rule, unbroadcast, shape checks.

A tensor made by an op records its node in its own fields: the op, its inputs (tensors, or
plain arrays for constants), the residuals ``saved``, which inputs need a gradient and a
recording number; ``t.node`` shows them as a ``Node``. Nothing points back from an input to the
tensors made from it, so the graph has no reference cycles and is freed by reference counting
the moment the last tensor goes out of scope.
"""

from __future__ import annotations

import itertools
import sys
from heapq import heappop, heappush

import numpy as np

from .errors import AnomalyError, BackwardError, ShapeError
from .modes import ANOMALY

#: ``node.saved`` after a backward pass without ``retain_graph``: the residuals are released.
FREED = object()

#: Numbers the nodes in the order they are recorded: a node is always numbered after the nodes
#: that made its inputs, which is the order the backward pass needs (newest first).
_next_seq = itertools.count().__next__


class Node:
    """How a tensor was made: ``op`` applied to ``inputs`` with keyword ``params``.

    ``t.node`` returns one of these for an op result. It is a view: the fields live on the
    tensor itself (``Tensor._op``, ``._inputs``, ...), so each recorded op costs one Python
    object (plus its inputs tuple) rather than two, which keeps the garbage collector's scans
    short on long graphs. Two views of the same tensor compare equal.

    ``inputs`` holds Tensors, and plain ``numpy.ndarray`` for constants (data, labels, numbers).
    ``needs`` says which inputs need a gradient; ``scope`` is the ``name_scope`` it was recorded
    in; ``seq`` is the node's recording number (larger = recorded later).
    """

    __slots__ = ("tensor",)

    def __init__(self, tensor):
        self.tensor = tensor

    op = property(lambda self: self.tensor._op, doc="The op class (``Mul``, ``Affine``, ...).")
    inputs = property(lambda self: self.tensor._inputs, doc="The inputs, in order.")
    saved = property(lambda self: self.tensor._saved, doc="The residuals, or ``FREED``.")
    needs = property(lambda self: self.tensor._needs, doc="Which inputs need a gradient.")
    scope = property(lambda self: self.tensor._scope, doc="The name scope, ``a/b`` or ``\"\"``.")
    seq = property(lambda self: self.tensor._seq, doc="The recording number.")

    @property
    def params(self) -> dict:
        """The op's keyword parameters (a new dict; empty for most ops)."""
        params = self.tensor._params
        return dict(params) if params else {}

    @property
    def label(self) -> str:
        """The op's label, as the graph picture shows it (``"Mul"``, ``"Affine"``, ...)."""
        return self.tensor._op.label

    @property
    def freed(self) -> bool:
        """True once a backward pass without ``retain_graph`` released the residuals."""
        return self.tensor._saved is FREED

    def __eq__(self, other) -> bool:
        return isinstance(other, Node) and other.tensor is self.tensor

    def __hash__(self) -> int:
        return hash(id(self.tensor))

    def __repr__(self) -> str:
        return f"<Node {self.label} of {len(self.inputs)} input(s)>"


def unbroadcast(g: np.ndarray, shape: tuple, op_label: str, index: int) -> np.ndarray:
    """Sum ``g`` (at the broadcast output shape) back to an input's ``shape``, or raise."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    ok = extra >= 0 and all(s == 1 or s == gs for s, gs in zip(shape, g.shape[extra:]))
    if not ok:
        raise ShapeError(
            f"{op_label}: the gradient for input {index} has shape {g.shape}, which cannot be "
            f"reduced to the input's shape {shape}"
        )
    axes = tuple(range(extra)) + tuple(
        extra + i for i, s in enumerate(shape) if s == 1 and g.shape[extra + i] != 1
    )
    # keepdims: summing every axis of a 0-d input's gradient still gives an array, not a scalar
    return g.sum(axis=axes, keepdims=True).reshape(shape) if axes else g.reshape(shape)


def topological_order(root) -> list:
    """Tensors that need a gradient and lead to ``root``, inputs before outputs.

    Iterative depth-first search with an explicit stack: a 100,000-node chain needs no recursion.
    A tensor enters the order once all its inputs have; one reached again through another
    path while it is still waiting on the stack is skipped when it comes up a second time.
    """
    order = []
    done = set()
    # Two parallel stacks rather than one of (tensor, expanded) pairs: on a long chain the
    # stack holds every tensor at once, and 100,000 pair tuples would wake the garbage collector.
    stack = [root]
    expanded = [False]
    while stack:
        tensor = stack.pop()
        inputs_done = expanded.pop()
        if id(tensor) in done:
            continue
        if inputs_done or tensor._op is None:
            done.add(id(tensor))
            order.append(tensor)
            continue
        stack.append(tensor)
        expanded.append(True)
        for inp, need in zip(tensor._inputs, tensor._needs):
            if need and id(inp) not in done:
                stack.append(inp)
                expanded.append(False)
    return order


def _check_finite(array, what: str) -> None:
    if not np.all(np.isfinite(array)):
        bad = "NaN" if np.any(np.isnan(array)) else "inf"
        raise AnomalyError(f"{what} contains {bad} (detect_anomaly)")


def backward(root, grad=None, retain_graph: bool = False, record: list | None = None) -> None:
    """Run the chain rule from ``root`` and accumulate ``.grad`` on every tensor that needs one.

    ``record``, when a list, receives ``(tensor, g)`` for every tensor of the pass once it has
    succeeded: ``g`` is the tensor's complete gradient from this pass, op results in the order
    they were processed, then the leaves (``render_backward`` draws one frame per entry).
    """
    # Nothing visible changes until every op's backward has succeeded: _walk only computes,
    # so a pass that raises (a freed graph, a bad op) leaves every .grad and residual as it was.
    done, done_grads, leaves, leaf_grads = _walk(root, _seed(root, grad))
    for tensor, g in zip(done, done_grads):
        # Every tensor that needs a gradient keeps it: leaves for the optimizer, the others so
        # the graph picture can show gradients on every edge. Accumulation builds a new array.
        previous = tensor.grad
        tensor.grad = g if previous is None else _add(previous, g)
        if not retain_graph:
            tensor._saved = FREED
    if record is not None:
        record.extend(zip(done, done_grads))
        record.extend((leaf, leaf_grads[id(leaf)]) for leaf in leaves)
    # Each leaf gets a gradient array of its own, which an optimizer may update in place. Ops
    # may return views (Reshape) or one array for several inputs (Add passes g on to both), so
    # an array that anything else still refers to (another tensor's gradient, a view of it,
    # another leaf) is copied. The reference count says whether anything does: ``alone`` is
    # the count of an object held by one local variable only, read the same way (the count
    # sys.getrefcount reports for that differs between Python versions).
    probe = object()
    alone = sys.getrefcount(probe)
    for leaf in leaves:
        g = leaf_grads.pop(id(leaf))
        if leaf.grad is not None:
            g = _add(leaf.grad, g)  # accumulation builds a new array
        elif sys.getrefcount(g) > alone or g.base is not None or not g.flags.writeable:
            g = g.copy()
        leaf.grad = g


def _walk(root, grad) -> tuple:
    """The chain rule from ``root`` with its gradient ``grad``, without changing anything.

    Returns the op results in the order they were processed and their complete gradients
    (two lists, not one of pairs: on a long chain 100,000 live pair tuples would wake the
    garbage collector), the leaves reached, and ``id(leaf) -> gradient``.
    """
    anomaly = ANOMALY.get()
    # Op results wait on a heap of their recording numbers, newest first (negated, as heapq
    # pops the smallest). Every op that used a tensor was recorded after the tensor was made,
    # so when the tensor comes off the heap, all of them have passed their gradient back and
    # its sum in ``grads`` is complete. (PyTorch's engine orders its work the same way.)
    heap = []
    waiting = {}  # recording number -> the op result waiting on the heap
    grads = {}  # recording number -> that op result's gradient, summed over its users
    leaves = []  # leaves have no backward to run: they only collect their gradients
    leaf_grads = {}  # id(leaf) -> its gradient
    if root._op is None:
        leaves.append(root)
        leaf_grads[id(root)] = grad
    else:
        waiting[root._seq] = root
        grads[root._seq] = grad
        heap.append(-root._seq)
    done, done_grads = [], []
    while heap:
        seq = -heappop(heap)
        tensor = waiting.pop(seq)
        g = grads.pop(seq)
        done.append(tensor)
        done_grads.append(g)
        op = tensor._op
        saved = tensor._saved
        if saved is FREED:
            raise BackwardError(
                f"backward: the graph through {op.label} was already freed by an earlier "
                "backward(); call backward(retain_graph=True) the first time to run it twice"
            )
        inputs = tensor._inputs
        needs = tensor._needs
        if op.backward_takes_needs:
            input_grads = op.backward(saved, g, needs)
        else:
            input_grads = op.backward(saved, g)
        if not isinstance(input_grads, tuple) or len(input_grads) != len(inputs):
            _raise_bad_return(op, inputs, input_grads)
        for inp, need, gi in zip(inputs, needs, input_grads):
            if not need:
                continue
            data = inp.data
            # The usual case: the op returned an array of the input's shape and dtype.
            if type(gi) is not np.ndarray or gi.shape != data.shape or gi.dtype is not data.dtype:
                where = _position(inp, inputs, input_grads, lambda raw, gi=gi: raw is gi)
                gi = _conform(gi, data, op.label, where)
            if anomaly and not np.all(np.isfinite(gi)):
                where = _position(inp, inputs, input_grads, lambda raw: not _finite(raw))
                _check_finite(gi, f"{op.label}: the gradient for input {where}")
            # Add gi to the input's sum; an input getting its first gradient is queued.
            seq = inp._seq
            if seq is None:  # a leaf
                key = id(inp)
                previous = leaf_grads.get(key)
                if previous is None:
                    leaves.append(inp)
                leaf_grads[key] = gi if previous is None else _add(previous, gi)
            else:
                previous = grads.get(seq)
                if previous is None:
                    waiting[seq] = inp
                    heappush(heap, -seq)
                elif waiting[seq] is not inp:
                    _raise_shared_number(inp)
                grads[seq] = gi if previous is None else _add(previous, gi)
    return done, done_grads, leaves, leaf_grads


def _seed(root, grad) -> np.ndarray:
    """The gradient the pass starts from: 1 for a single-element root, else ``grad`` checked."""
    if not root.requires_grad:
        raise BackwardError(
            "backward: this tensor does not require a gradient (it was made from constants only, "
            "inside no_grad(), or with requires_grad=False)"
        )
    if grad is None:
        if root.data.size != 1:
            raise BackwardError(
                f"backward: the output has shape {root.shape}; only a single-element output gets "
                "an implicit gradient of 1. Pass grad= with the same shape, or reduce it first "
                "with .sum()"
            )
        data = root.data
        return np.array(1.0, dtype=data.dtype) if data.ndim == 0 else np.ones_like(data)
    grad = np.array(grad.data if hasattr(grad, "_op") else grad, dtype=root.dtype)
    if grad.shape != root.shape:
        raise ShapeError(
            f"backward: grad has shape {grad.shape}, but the output has shape {root.shape}"
        )
    return grad


def _add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a + b as a new array: NumPy returns a scalar for two 0-d arrays, a gradient is an array."""
    total = a + b
    return total if type(total) is np.ndarray else np.asarray(total)


def _position(inp, inputs, input_grads, culprit) -> int:
    """Which input ``inp`` is, for a message. One tensor may fill several places (``x * x``):
    then the place whose gradient (as the op returned it) is the ``culprit``."""
    places = [i for i, x in enumerate(inputs) if x is inp]
    return next((i for i in places if culprit(input_grads[i])), places[0])


def _finite(g) -> bool:
    return g is None or bool(np.all(np.isfinite(g)))


def _raise_shared_number(tensor):
    raise BackwardError(
        f"backward: two different tensors made by {tensor._op.label} carry the same recording "
        "number, so the pass cannot tell them apart. An op result was copied (copy.copy, "
        "copy.deepcopy or pickle) and the copy was used in the same graph as the original; "
        "use t.detach() to take a tensor's value into a new graph"
    )


def _raise_bad_return(op, inputs, input_grads):
    got = len(input_grads) if isinstance(input_grads, tuple) else type(input_grads).__name__
    raise BackwardError(
        f"{op.label}: backward must return a tuple with one gradient per input "
        f"({len(inputs)}), got {got}"
    )


def _conform(gi, data: np.ndarray, op_label: str, index: int) -> np.ndarray:
    """Bring an op's gradient for one input to that input's shape and dtype, or raise."""
    if gi is None:
        raise BackwardError(
            f"{op_label}: backward returned None for input {index}, which needs a gradient"
        )
    gi = np.asarray(gi)
    if gi.shape != data.shape:
        gi = unbroadcast(gi, data.shape, op_label, index)
    if gi.dtype != data.dtype:
        gi = gi.astype(data.dtype)
    return gi
