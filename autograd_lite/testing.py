"""Hypothesis strategies and a test factory for property-testing ops, shipped to users.

Needs the ``test`` extra (``pip install autograd-lite[test]``); ``import autograd_lite`` never
imports this module. Typical use, in a user's test file::

    from autograd_lite.testing import op_tests
    TestSoftplus = op_tests(Softplus, reference=lambda x: np.log1p(np.exp(x)))

pytest then collects a forward test (values equal the NumPy reference) and a gradient test
(``ag.check_op`` passes: finite differences, linearity in g, shapes, dtypes, no mutation), each
run on inputs hypothesis draws from the op's ``domain``, shrunk to a minimal case on failure.
See docs/testing.md.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .errors import InvalidArgumentError
from .gradcheck import check_op
from .op import MATMUL_VARIANTS, Domain, Op, matmul_shapes
from .tensor import Tensor

__all__ = [
    "arrays", "broadcastable_shapes", "floats_away_from", "op_inputs", "op_tests", "tensors",
]  # fmt: skip

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


def floats_away_from(
    points=(), margin: float = 0.05, low: float = -2.0, high: float = 2.0, dtype=np.float64
) -> st.SearchStrategy[float]:
    """Floats in ``[low, high]`` at least ``margin`` away from every point in ``points``.

    A value drawn near a point is moved to ``margin`` from it, on the side that stays in range,
    so the strategy shrinks like ``floats`` and never filters (no health-check failures).
    """
    points = tuple(float(p) for p in np.atleast_1d(np.asarray(points, dtype=float)))
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise InvalidArgumentError(f"floats_away_from: need finite low < high, got {low}, {high}")
    if not margin >= 0:
        raise InvalidArgumentError(f"floats_away_from: margin must be >= 0, got {margin!r}")
    dtype = np.dtype(dtype)
    width = {2: 16, 4: 32}.get(dtype.itemsize, 64)
    base = st.floats(low, high, allow_nan=False, allow_infinity=False, width=width)
    return base.map(lambda v: _push_away(v, points, margin, low, high, dtype))


def _push_away(v: float, points, margin, low, high, dtype) -> float:
    for _ in range(len(points) + 1):  # a push can land near another point: repeat
        moved = False
        for p in points:
            if abs(v - p) < margin:
                up, down = p + margin, p - margin
                v = up if (v >= p and up <= high) or down < low else down
                moved = True
        if not moved:
            break
    return float(np.asarray(v, dtype=dtype))


def arrays(
    shape=None,
    dtype=np.float64,
    low: float = -2.0,
    high: float = 2.0,
    avoid=(),
    margin: float = 0.05,
    min_dims: int = 1,
    max_dims: int = 3,
    max_side: int = 4,
):
    """NumPy arrays of ``dtype`` with elements in ``[low, high]`` kept ``margin`` away from the
    points in ``avoid``. ``shape`` is a tuple, a strategy, or None for 1..3-D shapes of sides
    1..``max_side``."""
    if shape is None:
        shape = hnp.array_shapes(
            min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side
        )
    elements = floats_away_from(avoid, margin, low, high, dtype)
    return hnp.arrays(np.dtype(dtype), shape, elements=elements)


def tensors(
    shape=None,
    dtype=np.float64,
    low: float = -2.0,
    high: float = 2.0,
    avoid=(),
    margin: float = 0.05,
    requires_grad: bool = True,
    name: str | None = None,
    **kw,
):
    """``ag.Tensor`` objects over :func:`arrays` (same arguments, plus requires_grad, name)."""
    return arrays(shape, dtype, low, high, avoid, margin, **kw).map(
        lambda a: Tensor(a, requires_grad=requires_grad, name=name, dtype=dtype)
    )


def broadcastable_shapes(n: int, min_dims: int = 1, max_dims: int = 3, max_side: int = 4):
    """Tuples of ``n`` shapes that broadcast together, as NumPy's rules allow."""
    if not isinstance(n, int) or n < 1:
        raise InvalidArgumentError(f"broadcastable_shapes: n must be a positive int, got {n!r}")
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side
    ).map(lambda b: tuple(b.input_shapes))


def _shapes(domain: Domain):
    side = st.integers(1, 4)
    if domain.shapes == "matmul":
        variant = st.integers(0, MATMUL_VARIANTS - 1)
        return st.tuples(side, side, side, side, variant).map(lambda d: tuple(matmul_shapes(*d)))
    if domain.shapes == "affine":
        return st.tuples(side, side, side).map(lambda d: ((d[0], d[1]), (d[1], d[2]), (d[2],)))
    if domain.shapes == "broadcast":
        return broadcastable_shapes(domain.arity)
    return hnp.array_shapes(min_dims=1, max_dims=3, max_side=4).map(lambda s: (s,) * domain.arity)


def op_inputs(op, dtype=np.float64):
    """A strategy for one valid case ``(arrays, params)`` of an op, built from its ``domain``.

    Declarative domains become real strategies (shapes by the domain's rule, values in its
    range and away from its ``avoid`` points, params sampled from its choices), so failures
    shrink. A domain with a ``sample`` function draws a seed for it instead.
    """
    domain = op if isinstance(op, Domain) else getattr(op, "domain", None)
    if not isinstance(domain, Domain):
        raise InvalidArgumentError(
            f"op_inputs: {getattr(op, '__name__', op)!r} has no Domain; give the op a "
            "`domain = ag.Domain(...)` or pass a Domain"
        )
    if domain.sample is not None:

        def from_seed(seed):
            drawn, params = domain.sample(np.random.default_rng(seed))
            return tuple(np.asarray(a) for a in drawn), dict(params)

        return SEEDS.map(from_seed)

    def for_shapes(shapes):
        parts = []
        for i, shape in enumerate(shapes):
            low, high = domain.bounds(i)
            parts.append(arrays(shape, dtype, low, high, domain.avoid, domain.margin))
        return st.tuples(*parts)

    params = st.fixed_dictionaries({k: st.sampled_from(v) for k, v in domain.params.items()})
    return st.tuples(_shapes(domain).flatmap(for_shapes), params)


def op_tests(
    op, reference, *, rtol: float = 1e-7, atol: float = 1e-10, max_examples: int | None = None
) -> type:
    """A pytest test class for an op: assign it to a ``Test...`` name in a test module.

    ``reference(*arrays, **params)`` is an independent NumPy version of the forward. The class
    has ``test_forward_matches_reference`` and ``test_backward_passes_check_op``, both drawing
    inputs from :func:`op_inputs`. ``max_examples`` overrides the active hypothesis profile.
    """
    if not (isinstance(op, type) and issubclass(op, Op)):
        raise InvalidArgumentError(f"op_tests: op must be an Op subclass, got {op!r}")
    if not callable(reference):
        raise InvalidArgumentError("op_tests: reference must be a function of the input arrays")
    cases = op_inputs(op)

    def test_forward_matches_reference(self, case):
        inputs, params = case
        y, _ = op.forward(*[a.copy() for a in inputs], **params)
        expected = reference(*[a.copy() for a in inputs], **params)
        np.testing.assert_allclose(
            y,
            expected,
            rtol=rtol,
            atol=atol,
            err_msg=f"{op.label}: forward differs from the reference",
        )

    def test_backward_passes_check_op(self, case, seed):
        inputs, params = case
        check_op(op, *inputs, rng=np.random.default_rng(seed), **params).assert_ok()

    forward = given(case=cases)(test_forward_matches_reference)
    backward = given(case=cases, seed=SEEDS)(test_backward_passes_check_op)
    if max_examples is not None:
        forward = settings(max_examples=max_examples)(forward)
        backward = settings(max_examples=max_examples)(backward)
    name = f"Test{op.__name__}"
    return type(
        name,
        (),
        {
            "__doc__": f"Property tests of {op.label} made by autograd_lite.testing.op_tests.",
            "test_forward_matches_reference": forward,
            "test_backward_passes_check_op": backward,
        },
    )
