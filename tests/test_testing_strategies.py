"""autograd_lite.testing: the strategies keep their promises, op_inputs draws valid cases for
every registered op, and op_tests turns an op and a reference into tests that can fail."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import testing as agt

OPS = [ag.REGISTRY[label] for label in sorted(ag.REGISTRY)]


@given(v=agt.floats_away_from((0.0, 1.0), margin=0.1, low=-2.0, high=2.0))
def test_floats_away_from_keeps_the_margin_and_the_range(v):
    assert -2.0 <= v <= 2.0 and abs(v) >= 0.1 - 1e-12 and abs(v - 1.0) >= 0.1 - 1e-12


@given(v=agt.floats_away_from((-2.0,), margin=0.5, low=-2.0, high=2.0, dtype=np.float32))
def test_floats_away_from_a_bound_moves_inwards_and_fits_the_dtype(v):
    assert -1.5 - 1e-6 <= v <= 2.0 and float(np.float32(v)) == v


@given(a=agt.arrays(shape=(2, 3), dtype=np.float32, low=0.5, high=1.0, avoid=(0.75,), margin=0.1))
def test_arrays_have_the_shape_dtype_and_values_asked_for(a):
    assert a.shape == (2, 3) and a.dtype == np.float32
    assert np.all((a >= 0.5) & (a <= 1.0)) and np.all(np.abs(a - 0.75) >= 0.1 - 1e-6)


@given(t=agt.tensors(name="x", avoid=(0.0,)))
def test_tensors_are_named_tensors_of_1_to_3_dimensions(t):
    assert isinstance(t, ag.Tensor) and t.name == "x" and t.requires_grad
    assert 1 <= t.ndim <= 3 and np.all(np.abs(t.data) >= 0.05 - 1e-12)


@given(shapes=agt.broadcastable_shapes(3))
def test_broadcastable_shapes_broadcast(shapes):
    assert len(shapes) == 3
    np.broadcast_shapes(*shapes)


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.label)
@given(data=st.data())
def test_op_inputs_draws_cases_every_op_accepts(op, data):
    arrays, params = data.draw(agt.op_inputs(op))
    assert len(arrays) == op.domain.arity and isinstance(params, dict)
    y, _ = op.forward(*[np.array(a) for a in arrays], **params)
    assert np.all(np.isfinite(y))
    if op.domain.sample is None:
        for i, a in enumerate(arrays):
            low, high = op.domain.bounds(i)
            assert np.all((a >= low) & (a <= high))
            for point in op.domain.avoid:
                assert np.all(np.abs(a - point) >= op.domain.margin - 1e-12)


def test_op_inputs_and_op_tests_refuse_what_they_cannot_use():
    with pytest.raises(ag.InvalidArgumentError, match="has no Domain"):
        agt.op_inputs(int)
    with pytest.raises(ag.InvalidArgumentError, match="op must be an Op subclass"):
        agt.op_tests(len, np.exp)
    with pytest.raises(ag.InvalidArgumentError, match="n must be a positive int"):
        agt.broadcastable_shapes(0)


# ----- op_tests on a user's op: the generated tests pass, and fail when they should --------------
class Softplus(ag.Op):
    """y = log(1 + e^x).   VJP: gx = g * sigmoid(x)."""

    label = "Softplus"
    domain = ag.Domain(arity=1, low=-3.0, high=3.0)

    @staticmethod
    def forward(x):
        return np.logaddexp(0.0, x), x

    @staticmethod
    def backward(x, g):
        return (g / (1.0 + np.exp(-x)),)


class SoftplusWrongGradient(Softplus):
    label = "SoftplusWrongGradient"

    @staticmethod
    def backward(x, g):
        return (g / (1.0 + np.exp(x)),)  # sigmoid(-x): wrong


TestSoftplus = agt.op_tests(Softplus, reference=lambda x: np.log1p(np.exp(x)), max_examples=10)


def test_op_tests_makes_a_named_class_with_two_tests():
    assert TestSoftplus.__name__ == "TestSoftplus"
    assert {"test_forward_matches_reference", "test_backward_passes_check_op"} <= set(
        vars(TestSoftplus)
    )


def test_generated_gradient_test_fails_on_a_wrong_backward():
    tests = agt.op_tests(
        SoftplusWrongGradient, reference=lambda x: np.log1p(np.exp(x)), max_examples=10
    )()
    tests.test_forward_matches_reference()
    with pytest.raises(ag.GradcheckError, match="SoftplusWrongGradient"):
        tests.test_backward_passes_check_op()


def test_generated_forward_test_fails_on_a_wrong_reference():
    tests = agt.op_tests(Softplus, reference=lambda x: np.exp(x), max_examples=10)()
    with pytest.raises(AssertionError, match="forward differs from the reference"):
        tests.test_forward_matches_reference()
