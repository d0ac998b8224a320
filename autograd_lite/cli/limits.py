"""The command line's resource bounds: no expression may make it use more than ~1 GB or run
more than a few seconds before it refuses.

- Every input has at most :data:`MAX_ELEMENTS` elements, and all inputs together at most
  :data:`MAX_INPUT_TOTAL`.
- Before an op that can make a bigger array than its inputs (broadcasting arithmetic,
  ``@``/``matmul``, ``affine``, ``broadcast_to``) runs, its result shape is inferred from the
  shapes of its arguments, and refused when it would hold more than :data:`MAX_ELEMENTS`.
  Every other allowed op makes an array no bigger than one of its inputs.
- All the arrays one evaluation makes together hold at most :data:`MAX_TOTAL` elements, and its
  matrix products take at most :data:`MAX_FLOPS` multiply-adds.
- ``check`` runs the expression many times (twice per input element in full mode); the
  elements it would compute in all are estimated from one evaluation and bounded by
  :data:`MAX_WORK` before the first perturbed evaluation.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..errors import ExpressionError

MAX_ELEMENTS = 1_000_000  # one input or one intermediate array
MAX_INPUT_TOTAL = 4_000_000  # all inputs together
MAX_TOTAL = 20_000_000  # every array of one evaluation together (160 MB of float64)
MAX_WORK = 300_000_000  # elements computed by all the evaluations of a check
MAX_FLOPS = 2_000_000_000  # multiply-adds of the matrix products of one evaluation
OP_COST = 2_000  # one op call costs about as much as computing this many elements
FLOPS_PER_ELEMENT = 16  # a BLAS multiply-add costs about 1/16 of an elementwise step


def shape_of(value):
    """The shape of a Tensor, an array or a number; None for anything else (a tuple, None)."""
    if isinstance(value, numbers.Number):
        return ()
    shape = getattr(value, "shape", None)
    return tuple(shape) if isinstance(shape, tuple) else None


def size_of(shape) -> int:
    return math.prod(shape)


def _broadcast(*shapes):
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        return None  # the op itself reports shapes that do not broadcast


def _matmul(a, b):
    if len(a) == 0 or len(b) == 0:
        return None
    a2 = (1,) + a if len(a) == 1 else a
    b2 = b + (1,) if len(b) == 1 else b
    batch = _broadcast(a2[:-2], b2[:-2])
    if batch is None:
        return None
    out = batch + (a2[-2], b2[-1])
    if len(a) == 1:
        out = out[:-2] + out[-1:]
    if len(b) == 1:
        out = out[:-1]
    return out


def matmul_flops(kind: str, args) -> int:
    """Multiply-adds of ``@``/``matmul``/``affine`` on ``args`` (0 for other ops)."""
    if kind not in ("matmul", "@", "affine"):
        return 0
    shapes = [shape_of(a) for a in args[:2]]
    if len(shapes) < 2 or None in shapes or not shapes[0] or not shapes[1]:
        return 0
    out = _matmul(*shapes)
    return 0 if out is None else size_of(out) * shapes[0][-1]


def predicted_shape(kind: str, args, kwargs):
    """The result shape of ``kind`` (an operator or function name) on ``args``, for the ops
    that can grow an array; None when the op cannot grow one (or will refuse its arguments)."""
    if kind in ("add", "sub", "mul", "div", "pow", "+", "-", "*", "/", "**"):
        shapes = [shape_of(a) for a in args[:2]]
        return None if None in shapes else _broadcast(*shapes)
    if kind in ("matmul", "@"):
        shapes = [shape_of(a) for a in args[:2]]
        return None if None in shapes or len(shapes) < 2 else _matmul(*shapes)
    if kind == "affine":
        shapes = [shape_of(a) for a in args[:3]]
        if len(shapes) < 3 or None in shapes or len(shapes[1]) != 2:
            return None
        rows = shapes[0][:-1] if len(shapes[0]) >= 1 else ()
        return rows + (shapes[1][1],)
    if kind == "broadcast_to":
        target = kwargs.get("shape", args[1] if len(args) > 1 else None)
        if isinstance(target, numbers.Integral) and not isinstance(target, bool):
            target = (target,)
        ok = isinstance(target, tuple) and all(
            isinstance(d, numbers.Integral) and not isinstance(d, bool) and d >= 0 for d in target
        )
        return tuple(int(d) for d in target) if ok else None
    return None


class Budget:
    """Counts the op calls and the elements one evaluation makes, and refuses an op before it
    runs when its result or the running total would be too big."""

    def __init__(self):
        self.total = 0
        self.calls = 0
        self.flops = 0

    def before(self, kind: str, args, kwargs, error) -> None:
        """Refuse (``raise error(message)``) when ``kind`` on ``args`` would make too big an
        array."""
        shape = predicted_shape(kind, args, kwargs)
        if shape is None:
            return
        size = size_of(shape)
        if size > MAX_ELEMENTS:
            what = kind if kind[-1].isalpha() else f"the operator {kind}"
            raise error(
                f"{what} would make an array of shape {shape} ({size:,} elements); the command "
                f"line allows at most {MAX_ELEMENTS:,} elements per array"
            )
        self._check_total(size, error)
        flops = matmul_flops(kind, args)
        if self.flops + flops > MAX_FLOPS:
            raise error(
                f"the matrix products of this expression would take more than {MAX_FLOPS:,} "
                "multiply-adds; the command line refuses it (use smaller inputs)"
            )
        self.flops += flops

    def after(self, result) -> None:
        """Count the array an op made."""
        shape = shape_of(result)
        self.calls += 1
        if shape is not None:
            self.total += size_of(shape)

    def _check_total(self, size: int, error) -> None:
        if self.total + size > MAX_TOTAL:
            raise error(
                f"the arrays of this expression would hold more than {MAX_TOTAL:,} elements in "
                "all; the command line refuses it (use smaller inputs)"
            )

    def check_total(self, error) -> None:
        if self.total > MAX_TOTAL:
            self._check_total(0, error)


def check_inputs(sizes: dict) -> None:
    """All inputs together are bounded (each one is bounded when parsed)."""
    total = sum(sizes.values())
    if total > MAX_INPUT_TOTAL:
        raise ExpressionError(
            f"the inputs hold {total:,} elements in all ({len(sizes)} inputs); the command line "
            f"allows at most {MAX_INPUT_TOTAL:,}"
        )


def check_work(evaluations: int, budget: Budget, inputs: int, what: str, advice: str) -> None:
    """Refuse a check whose ``evaluations`` of the expression (on ``inputs`` input elements)
    would compute too much."""
    per_eval = (inputs + budget.total + OP_COST * budget.calls
                + budget.flops // FLOPS_PER_ELEMENT)
    work = evaluations * per_eval
    if work > MAX_WORK:
        raise ExpressionError(
            f"check: {what} runs the expression {evaluations:,} times, each computing about "
            f"{per_eval:,} elements ({work:,} in all, more than the command line's "
            f"{MAX_WORK:,}); {advice}"
        )


def check_graph_work(result, auto_full_limit: int) -> None:
    """Refuse ``graph --check`` when checking every node would compute too much: each node is
    run twice per input element (up to ``auto_full_limit`` elements, else along 3 random
    directions), each run costing about its output's size."""
    from ..engine import topological_order

    work = 0
    for tensor in topological_order(result):
        node = tensor.node
        if node is None:
            continue
        sizes = [shape_of(x) for x in node.inputs]
        runs = 1 + sum(2 * min(size_of(s), auto_full_limit) if size_of(s) <= auto_full_limit
                       else 2 * 3 for s in sizes if s is not None)
        flops = matmul_flops("matmul" if node.label in ("MatMul", "Affine") else "",
                             node.inputs)
        work += runs * (tensor.data.size + OP_COST + flops // FLOPS_PER_ELEMENT)
    if work > MAX_WORK:
        raise ExpressionError(
            f"graph --check: checking every node would compute about {work:,} elements, more "
            f"than the command line's {MAX_WORK:,}; draw it without --check, or use smaller "
            "inputs"
        )
