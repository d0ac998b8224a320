"""Tests of the tester: on correct functions the checker never reports a failure.

Hypothesis builds random compositions of registered ops (elementwise, broadcasting, reductions,
matrix products, losses) on random shapes, with input values away from kinks; every function
is checked in full and in fast mode. ``COUNTS`` measures the run: the number of functions
tried, the checks made, the false failures (must be 0) and the kinks met. Run with ``-s`` to
see the line it prints; ``HYPOTHESIS_PROFILE=thorough`` for a long run.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume, example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag
from autograd_lite.testing import arrays

COUNTS = {"functions": 0, "checks": 0, "false_failures": 0, "inconclusive": 0, "kinks": 0}
MARGIN = 0.1  # input values keep this far from 0, the kink of ReLU and LeakyReLU
GRID = [-1.0, -0.5, 0.0, 0.5, 1.0]  # inputs at kinks: zeros and ties


UNARY = ["tanh", "sigmoid", "neg", "exp_tanh", "log", "square", "softmax", "pow"]
KINKED = ["relu", "leaky_relu"]
BINARY = ["add", "sub", "mul", "div", "row", "col", "matmul", "transposed"]
FINISH = ["as_is", "sum", "mean", "max", "softmax_loss", "mse", "bce"]
PARAMS = {"softmax": [0, -1], "pow": [0.5, 2.0, 3.0], "leaky_relu": [0.01, 0.2],
          "mean": [None, 0, 1]}  # fmt: skip
#: unary ops whose result is away from 0 when their input is (or always)
KEEPS_SAFE = {"tanh", "neg", "square", "leaky_relu"}
ALWAYS_SAFE = {"sigmoid", "exp_tanh", "softmax", "pow"}


def unary(kind, param, t):
    ops = {
        "tanh": lambda: ag.tanh(t),
        "sigmoid": lambda: ag.sigmoid(t),
        "neg": lambda: -t,
        "exp_tanh": lambda: ag.exp(ag.tanh(t)),
        "log": lambda: ag.log(ag.sigmoid(t) + 0.5),
        "square": lambda: t * t,
        "softmax": lambda: ag.softmax(t, axis=param),
        "pow": lambda: (ag.sigmoid(t) + 0.5) ** param,
        "relu": lambda: ag.relu(t),
        "leaky_relu": lambda: ag.leaky_relu(t, slope=param),
    }
    return ops[kind]()


def binary(kind, a, b):
    if kind == "add":
        return a + b
    if kind == "sub":
        return a - b
    if kind == "mul":
        return a * b
    if kind == "div":
        return a / (ag.tanh(b) + 1.5)
    if kind == "row":  # broadcast a row: Mean over axis 0
        return a + ag.mean(b, axis=0)
    if kind == "col":  # broadcast a column: Sum over axis 1 with keepdims
        return a * ag.sum(ag.tanh(b), axis=1, keepdims=True)
    if kind == "matmul":
        return a @ ag.tanh(b)
    return (a.T * b.T).T


def finish(kind, param, t, rng):
    n, m = t.shape
    if kind == "sum":
        return t.sum()
    if kind == "mean":
        return ag.mean(t, axis=param)
    if kind == "max":
        return ag.max(t, axis=1)
    if kind == "softmax_loss":
        return ag.softmax_with_loss(t, rng.integers(0, m, size=n))
    if kind == "mse":
        return ag.mean_squared_error(t, rng.uniform(-1, 1, size=(n, m)))
    if kind == "bce":
        return ag.sigmoid_with_loss(t, rng.integers(0, 2, size=(n, m)).astype(float))
    return t


class Composition:
    """A drawn program as a function of tensors; its repr shows the program."""

    def __init__(self, program, end, end_param, seed):
        self.program, self.end, self.end_param, self.seed = program, end, end_param, seed

    def body(self, *tensors):
        pool = list(tensors)
        for arity, kind, param, i, j in self.program:
            if arity == "binary":
                pool.append(binary(kind, pool[i], pool[j]))
            else:
                pool.append(unary(kind, param, pool[i]))
        return pool[-1]

    def __call__(self, *tensors):
        return finish(
            self.end, self.end_param, self.body(*tensors), np.random.default_rng(self.seed)
        )

    def __repr__(self):
        return f"Composition({self.program}, end={self.end!r}, param={self.end_param!r})"


@st.composite
def compositions(draw, at_kinks: bool = False):
    """(f, inputs): a random correct function of 1..3 tensors of one (n, m) shape.

    The program is drawn once as plain data, so every call of f computes the same function.
    ReLU and LeakyReLU are only applied to expressions whose values stay away from 0 (inputs,
    and tanh, neg, square, leaky_relu of such expressions); max only where there are no ties.
    With ``at_kinks`` the inputs come from a grid with 0 and repeated values, and kinked ops go
    anywhere: many points are exactly at kinks (ReLU at 0, ties in max).
    """
    n, m = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    count = draw(st.integers(1, 3))
    if at_kinks:
        grid = hnp.arrays(np.float64, (n, m), elements=st.sampled_from(GRID))
        values = [draw(grid) for _ in range(count)]
    else:
        values = [
            draw(arrays((n, m), low=-2.0, high=2.0, avoid=(0.0,), margin=MARGIN))
            for _ in range(count)
        ]
    safe = [not at_kinks] * count
    program = []
    for _ in range(draw(st.integers(1, 5))):
        i = draw(st.integers(0, len(safe) - 1))
        if len(safe) > 1 and draw(st.booleans()):
            # Often combine the newest expression with an older one (a residual connection):
            # tensors used twice make diamonds, where a wrong graph order loses gradients.
            j = len(safe) - 1 if draw(st.booleans()) else draw(st.integers(0, len(safe) - 1))
            kinds = [k for k in BINARY if k != "matmul" or n == m]
            kind = draw(st.sampled_from(kinds))
            program.append(("binary", kind, None, i, j))
            safe.append(kind == "div" and safe[i])
        else:
            kind = draw(st.sampled_from(UNARY + (KINKED if safe[i] or at_kinks else [])))
            param = draw(st.sampled_from(PARAMS[kind])) if kind in PARAMS else None
            program.append(("unary", kind, param, i, None))
            safe.append(kind in ALWAYS_SAFE or (kind in KEEPS_SAFE and safe[i]))
    if draw(st.booleans()):  # a skip connection from the first input to the result
        program.append(
            ("binary", draw(st.sampled_from(["add", "sub", "mul"])), None, 0, len(safe) - 1)
        )
        safe.append(False)
    end = draw(st.sampled_from(FINISH))
    end_param = draw(st.sampled_from(PARAMS[end])) if end in PARAMS else None
    seed = draw(st.integers(0, 2**16))

    f = Composition(program, end, end_param, seed)
    if end == "max" and m > 1 and not at_kinks:  # ties in a max are kinks: keep them apart
        top2 = np.sort(f.body(*[ag.Tensor(v) for v in values]).data, axis=1)[:, -2:]
        assume(np.all(top2[:, 1] - top2[:, 0] > 1e-3))
    return f, values


@given(case=compositions())
def check_no_false_failure(case):
    f, values = case
    COUNTS["functions"] += 1
    for mode in ("full", "fast"):
        report = ag.gradcheck(f, values, mode=mode)
        COUNTS["checks"] += 1
        COUNTS["kinks"] += report.n_kinks
        COUNTS["inconclusive"] += report.status == "inconclusive"
        if not report.ok:
            COUNTS["false_failures"] += 1
        assert report.ok, f"false failure ({mode}):\n{report}"


def test_no_false_failures_on_random_compositions_of_registered_ops():
    for key in COUNTS:
        COUNTS[key] = 0
    try:
        check_no_false_failure()
    finally:
        print(
            f"\ngradcheck on random compositions: {COUNTS['functions']} functions, "
            f"{COUNTS['checks']} checks (full + fast), {COUNTS['false_failures']} false failures, "
            f"{COUNTS['inconclusive']} inconclusive, {COUNTS['kinks']} kinks"
        )
    assert COUNTS["functions"] > 0 and COUNTS["false_failures"] == 0
    assert COUNTS["inconclusive"] == 0  # float64 functions are never precision-limited


KINK_COUNTS = {"functions": 0, "checks": 0, "false_failures": 0, "inconclusive": 0, "kinks": 0}


def _relu_at_its_kink(x):
    return ag.relu(x) * 2.0


# One case always sits on a kink (ReLU at exactly 0), so the count below never depends on
# whether the random draws happened to land on one.
@given(case=compositions(at_kinks=True))
@example(case=(_relu_at_its_kink, [np.array([[0.0, 1.0], [-1.0, 0.0]])]))
def check_kinks_are_not_failures(case):
    f, values = case
    KINK_COUNTS["functions"] += 1
    for mode in ("full", "fast"):
        report = ag.gradcheck(f, values, mode=mode)
        KINK_COUNTS["checks"] += 1
        KINK_COUNTS["kinks"] += report.n_kinks
        KINK_COUNTS["inconclusive"] += report.status == "inconclusive"
        if not report.ok:
            KINK_COUNTS["false_failures"] += 1
        assert report.ok, f"false failure at a kink ({mode}):\n{report}"


def test_points_at_kinks_are_counted_never_failed():
    for key in KINK_COUNTS:
        KINK_COUNTS[key] = 0
    try:
        check_kinks_are_not_failures()
    finally:
        print(
            f"\ngradcheck at kinks: {KINK_COUNTS['functions']} functions, "
            f"{KINK_COUNTS['checks']} checks, {KINK_COUNTS['false_failures']} false failures, "
            f"{KINK_COUNTS['inconclusive']} inconclusive, {KINK_COUNTS['kinks']} kinks"
        )
    assert KINK_COUNTS["false_failures"] == 0
    assert KINK_COUNTS["kinks"] > 0  # the grid really puts points at kinks
