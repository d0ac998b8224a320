"""check_op: every clause of the op contract is checked, and each broken clause is reported by
name. Wrong gradient values are in test_tester_planted_bugs.py."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag

X = np.array([[0.5, -1.0, 2.0], [1.5, -0.3, 0.7]])
Y = np.array([[1.0, 2.0, -0.5], [0.2, 0.9, -1.1]])


class Square(ag.Op):
    label = "Square"
    domain = ag.Domain(arity=1)

    @staticmethod
    def forward(x):
        return x * x, x

    @staticmethod
    def backward(x, g):
        return (2 * x * g,)


def failing(report):
    return {c.name: c.message for c in report.failures}


def test_a_correct_op_passes_every_clause():
    report = ag.check_op(Square, X)
    assert report.ok and report.status == "passed"
    assert [c.name for c in report.checks] == [
        "g not mutated", "saved not mutated", "one gradient per input, shapes and dtypes",
        "linear in g", "inputs not mutated"]  # fmt: skip
    assert report.title == "check_op Square" and "Square" in str(report)


def test_without_arrays_a_case_is_drawn_from_the_domain():
    report = ag.check_op(Square, rng=np.random.default_rng(3))
    assert report.ok and report["x"].n_checked >= 1


def test_the_callers_arrays_are_untouched_even_by_an_op_that_writes_into_them():
    class Scribbler(Square):
        label = "Scribbler"

        @staticmethod
        def forward(x):
            y = x * x
            x[0, 0] = 99.0
            return y, x

    x = X.copy()
    report = ag.check_op(Scribbler, x)
    assert "inputs not mutated" in failing(report)
    assert np.array_equal(x, X)


def test_a_write_into_saved_is_reported():
    class SavedScribbler(Square):
        label = "SavedScribbler"

        @staticmethod
        def backward(x, g):
            gx = 2 * x * g
            x *= 0
            return (gx,)

    assert set(failing(ag.check_op(SavedScribbler, X))) >= {"saved not mutated"}


def test_a_gradient_that_does_not_reduce_to_the_input_shape_is_reported():
    class WrongShape(Square):
        label = "WrongShape"

        @staticmethod
        def backward(x, g):
            return ((2 * x * g).sum(axis=0),)

    message = failing(ag.check_op(WrongShape, X))["one gradient per input, shapes and dtypes"]
    assert message == (
        "input 0 (x) has shape (2, 3), but its gradient has shape (3,), which does not reduce to it"
    )


def test_none_a_list_and_a_lossy_dtype_are_reported():
    class NoneGrad(Square):
        label = "NoneGrad"

        @staticmethod
        def backward(x, g):
            return (None,)

    class ListGrad(Square):
        label = "ListGrad"

        @staticmethod
        def backward(x, g):
            return [2 * x * g]

    class HalfGrad(Square):
        label = "HalfGrad"

        @staticmethod
        def backward(x, g):
            return ((2 * x * g).astype(np.float32),)

    assert "backward returned None" in " ".join(failing(ag.check_op(NoneGrad, X)).values())
    assert failing(ag.check_op(ListGrad, X)) == {
        "one gradient per input": "backward must return a tuple of 1 gradient(s), got list"
    }
    message = failing(ag.check_op(HalfGrad, X))["one gradient per input, shapes and dtypes"]
    assert "a float32 gradient for float64 data loses precision" in message


def test_mixed_up_needs_are_reported():
    class MixedNeeds(ag.Op):
        label = "MixedNeeds"

        @staticmethod
        def forward(a, b):
            return a * b, (a, b)

        @staticmethod
        def backward(saved, g, needs):
            a, b = saved
            return (g * b if needs[1] else None), (g * a if needs[0] else None)

    report = ag.check_op(MixedNeeds, X, Y)
    assert report.inputs and all(c.ok for c in report.inputs)  # values fine with both needed
    assert "needs respected" in failing(report)


def test_integer_inputs_and_nondiff_positions_take_no_gradient():
    report = ag.check_op(ag.REGISTRY["SoftmaxWithLoss"], X, np.array([2, 0]))
    assert report.ok and [c.name for c in report.inputs] == ["logits"]


def test_float32_arrays_are_checked_with_float32_tolerances():
    report = ag.check_op(ag.REGISTRY["Tanh"], X.astype(np.float32))
    assert report.ok and report.status == "passed"
    # the numerical side is the op evaluated in float64; the float32 backward's rounding is
    # allowed for
    assert not report.precision.limited and report.precision.analytic_dtype == np.float32


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(ag.InvalidArgumentError, match="op must be an Op subclass"):
        ag.check_op(Square(), X)
    with pytest.raises(ag.InvalidArgumentError, match="rng must be None, an int seed >= 0 or"):
        ag.check_op(Square, X, rng="0")
    with pytest.raises(ag.InvalidArgumentError, match=r"Square.forward cannot take 2 array\(s\)"):
        ag.check_op(Square, X, X)
    with pytest.raises(ag.InvalidArgumentError, match="got no float input to differentiate"):
        ag.check_op(Square, np.array([1, 2]))

    class NoDomain(ag.Op):
        label = "NoDomain"
        forward = staticmethod(Square.forward)
        backward = staticmethod(Square.backward)

    with pytest.raises(ag.InvalidArgumentError, match="NoDomain has no domain to draw inputs"):
        ag.check_op(NoDomain)
