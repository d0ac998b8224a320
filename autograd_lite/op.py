"""The op contract: the ``Op`` base class, ``Domain`` and the ``REGISTRY`` of built-in ops.

An op is a stateless class with two static methods::

    forward(*arrays, **params) -> (y, saved)
    backward(saved, g)         -> tuple with one gradient (or None) per input

``backward`` may take a third argument ``needs``: a tuple of booleans saying which inputs need
a gradient, so it can skip work nobody asked for (no ``dx`` for a data batch).

Every subclass is validated when it is defined, so a broken op fails at import, not in the
middle of a training run. Built-in ops (defined inside ``autograd_lite``) also need a
``domain`` and are entered in ``REGISTRY``, which drives both the graph labels and the
property tests: a new built-in op is tested by construction.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import OpDefinitionError

#: label -> op class, for every built-in op. Users' ops are not entered here.
REGISTRY: dict[str, type[Op]] = {}

SHAPE_RULES = ("same", "broadcast", "matmul", "affine")


@dataclass(frozen=True)
class Domain:
    """How to draw valid test inputs for an op.

    - ``arity``: the number of array inputs.
    - ``shapes``: how the input shapes relate: ``"same"``, ``"broadcast"`` (mutually
      broadcastable), ``"matmul"`` (``(n, k), (k, m)``) or ``"affine"`` (``(n, k), (k, m), (m,)``).
    - ``low``, ``high``: the value range, one number for all inputs or a tuple per input.
    - ``avoid``: points the values keep at least ``margin`` away from (kinks, poles, log of 0).
    - ``params``: keyword parameter -> the values to try (``{"axis": (None, 0, -1)}``).
    - ``sample``: for ops whose inputs the fields above cannot describe (labels, indices,
      target shapes), a function ``sample(rng) -> (arrays, params)`` that draws one case from a
      ``numpy.random.Generator``. It overrides the other fields.
    - ``nondiff``: input positions that take no gradient (integer labels, dropout masks).
    """

    arity: int = 1
    shapes: str = "same"
    low: float | tuple = -2.0
    high: float | tuple = 2.0
    avoid: tuple = ()
    margin: float = 0.05
    params: dict = field(default_factory=dict)
    sample: Callable[[np.random.Generator], tuple[tuple, dict]] | None = None
    nondiff: tuple = ()

    def __post_init__(self):
        if not isinstance(self.arity, int) or self.arity < 1:
            raise OpDefinitionError(f"Domain: arity must be a positive int, got {self.arity!r}")
        if self.shapes not in SHAPE_RULES:
            raise OpDefinitionError(
                f"Domain: shapes must be one of {SHAPE_RULES}, got {self.shapes!r}"
            )
        for bound in ("low", "high"):
            value = getattr(self, bound)
            if isinstance(value, tuple) and len(value) != self.arity:
                raise OpDefinitionError(
                    f"Domain: {bound} has {len(value)} entries for {self.arity} inputs"
                )

    def bounds(self, i: int) -> tuple[float, float]:
        """The (low, high) value range of input ``i``."""
        low = self.low[i] if isinstance(self.low, tuple) else self.low
        high = self.high[i] if isinstance(self.high, tuple) else self.high
        return float(low), float(high)

    def push_away(self, values: np.ndarray) -> np.ndarray:
        """Move values that lie within ``margin`` of an avoided point to ``margin`` from it."""
        out = np.array(values, dtype=np.float64)
        for point in self.avoid:
            near = np.abs(out - point) < self.margin
            out = np.where(
                near, np.where(out >= point, point + self.margin, point - self.margin), out
            )
        return out

    def draw(self, rng: np.random.Generator) -> tuple[tuple, dict]:
        """One random valid case ``(arrays, params)``, with plain NumPy randomness."""
        if self.sample is not None:
            arrays, params = self.sample(rng)
            return tuple(arrays), dict(params)
        shapes = _draw_shapes(self.shapes, self.arity, rng)
        arrays = []
        for i, shape in enumerate(shapes):
            low, high = self.bounds(i)
            arrays.append(self.push_away(rng.uniform(low, high, size=shape)))
        params = {
            name: choices[rng.integers(len(choices))] for name, choices in self.params.items()
        }
        return tuple(arrays), params


#: The operand layouts the "matmul" rule draws: matrices, 1-D operands (promoted as NumPy's
#: matmul does) and stacks of matrices whose batch axes broadcast.
MATMUL_VARIANTS = 7


def matmul_shapes(n: int, k: int, m: int, batch: int, variant: int) -> list[tuple]:
    """The two operand shapes of one matmul layout (``variant`` in ``range(MATMUL_VARIANTS)``)."""
    return [
        [(n, k), (k, m)],
        [(k,), (k, m)],
        [(n, k), (k,)],
        [(k,), (k,)],
        [(batch, n, k), (k, m)],
        [(batch, n, k), (1, k, m)],
        [(n, k), (batch, k, m)],
    ][variant]


def _draw_shapes(rule: str, arity: int, rng: np.random.Generator) -> list[tuple]:
    dims = [int(d) for d in rng.integers(1, 5, size=3)]
    if rule == "matmul":
        n, k, m = dims
        return matmul_shapes(n, k, m, int(rng.integers(1, 4)), int(rng.integers(MATMUL_VARIANTS)))
    if rule == "affine":
        n, k, m = dims
        return [(n, k), (k, m), (m,)]
    ndim = int(rng.integers(1, 4))
    shape = tuple(int(d) for d in rng.integers(1, 5, size=ndim))
    if rule == "same":
        return [shape] * arity
    # "broadcast": each input drops leading axes or sets some axes to 1.
    shapes = []
    for _ in range(arity):
        drop = int(rng.integers(0, ndim + 1))
        s = [1 if rng.random() < 0.3 else d for d in shape[drop:]]
        shapes.append(tuple(s))
    return shapes


class Op:
    """Base class of every node type. Subclasses define ``label``, ``forward`` and ``backward``.

    Built-in ops also define ``domain``; for a user's op it is optional and only feeds the
    test helpers (``check_op``, ``autograd_lite.testing``).
    """

    label: str = ""
    domain: Domain | None = None

    #: set at class definition: whether ``backward`` takes the ``needs`` argument
    backward_takes_needs: bool = False
    #: set at class definition from ``domain.nondiff``: inputs that never take a gradient
    #: (labels, masks), even when they come as Tensors
    nondiff: tuple = ()
    #: set at class definition: True for autograd_lite's own ops, which compute in floating
    #: point (``apply`` turns their integer inputs into floats; a user's op gets them as they are)
    builtin: bool = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        name = cls.__name__
        label = cls.__dict__.get("label", getattr(cls, "label", ""))
        if not isinstance(label, str) or not label:
            raise OpDefinitionError(
                f"op {name}: every Op needs a non-empty string `label` "
                f"(the name the graph picture shows), got {label!r}"
            )
        for method in ("forward", "backward"):
            raw = inspect.getattr_static(cls, method)
            if raw is inspect.getattr_static(Op, method):
                raise OpDefinitionError(f"op {name}: `{method}` is not defined")
            if not isinstance(raw, staticmethod):
                raise OpDefinitionError(
                    f"op {name}: `{method}` must be a @staticmethod (ops hold no state), "
                    f"got {type(raw).__name__}"
                )
        params = list(inspect.signature(cls.backward).parameters)
        if len(params) not in (2, 3):
            raise OpDefinitionError(
                f"op {name}: backward must take (saved, g) or (saved, g, needs), got {params}"
            )
        cls.backward_takes_needs = len(params) == 3
        domain = cls.__dict__.get("domain", None)
        if domain is not None and not isinstance(domain, Domain):
            raise OpDefinitionError(
                f"op {name}: `domain` must be an autograd_lite.Domain, got {type(domain).__name__}"
            )
        if domain is not None:
            cls.nondiff = tuple(domain.nondiff)
        if cls.__module__.startswith("autograd_lite."):
            if domain is None:
                raise OpDefinitionError(
                    f"op {name}: built-in ops need a `domain` so the property tests can draw "
                    "valid inputs for them"
                )
            if label in REGISTRY:
                raise OpDefinitionError(
                    f"op {name}: label {label!r} is already used by {REGISTRY[label].__name__}"
                )
            REGISTRY[label] = cls
            cls.builtin = True

    @staticmethod
    def forward(*arrays: np.ndarray, **params: Any):  # pragma: no cover - contract only
        raise NotImplementedError

    @staticmethod
    def backward(saved, g):  # pragma: no cover - contract only
        raise NotImplementedError


def call(op: type[Op], *inputs, **params):
    """Use ``op`` as a function inside another op's ``backward``.

    On NumPy arrays it returns ``op.forward``'s value. When an input is a Tensor (a gradient
    being recorded under ``create_graph``) it records a node instead, so the rule that called
    it stays differentiable: ``GetItem.backward`` is ``call(ScatterAdd, g, ...)``.
    """
    for x in inputs:
        record = getattr(type(x), "_record", None)  # Tensor._record is tensor.apply
        if record is not None:
            return record(op, *inputs, **params)
    return op.forward(*inputs, **params)[0]
