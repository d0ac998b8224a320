"""numerical_gradient and gradcheck: results, the report, kinks, precision, safety, errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag

RNG = np.random.default_rng(7)


def away(shape, margin=0.2):
    x = RNG.uniform(-2, 2, size=shape)
    return np.where(np.abs(x) < margin, margin, x)


class Cast32(ag.Op):
    """A user op that computes in float32: y = float32(x) * 1.0."""

    label = "Cast32"

    @staticmethod
    def forward(x):
        return x.astype(np.float32), x.dtype

    @staticmethod
    def backward(dtype, g):
        return (g.astype(dtype),)


# ----- numerical_gradient ------------------------------------------------------------------
def test_numerical_gradient_matches_the_derivative():
    x = np.array([[0.5, -1.0], [2.0, 0.1]])
    grad = ag.numerical_gradient(lambda a: np.sum(a**3), x)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-8)
    assert grad.dtype == np.float64 and grad.shape == x.shape


def test_numerical_gradient_on_tensors_and_float32_leaves_the_input_alone():
    x = ag.Tensor(np.array([1.0, -2.0, 3.0], dtype=np.float32), name="x")
    before = x.data.copy()
    grad = ag.numerical_gradient(lambda t: (t * t).sum(), x)
    np.testing.assert_allclose(grad, 2 * before, rtol=1e-6)
    assert x.data.dtype == np.float32 and np.array_equal(x.data, before) and x.grad is None


def test_numerical_gradient_restores_nothing_because_it_never_touches_the_input():
    x = np.array([1.0, 2.0, 3.0])
    calls = []

    def f(a):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("boom")
        return a.sum()

    with pytest.raises(RuntimeError, match="boom"):
        ag.numerical_gradient(f, x)
    assert np.array_equal(x, [1.0, 2.0, 3.0])


@pytest.mark.parametrize("eps", [0, -1e-3, float("nan"), float("inf"), "1e-6"])
def test_numerical_gradient_rejects_a_bad_eps(eps):
    with pytest.raises(ag.InvalidArgumentError, match="numerical_gradient: eps must be"):
        ag.numerical_gradient(lambda a: a.sum(), np.ones(2), eps=eps)


def test_numerical_gradient_needs_a_scalar_function():
    with pytest.raises(ag.ShapeError, match="f must return a scalar"):
        ag.numerical_gradient(lambda a: a * 2, np.ones(3))


# ----- gradcheck: results and report -------------------------------------------------------
def model(x, W, b):
    return ag.softmax(ag.affine(x, W, b).tanh())


@pytest.mark.parametrize("mode", ["full", "fast"])
def test_gradcheck_passes_a_correct_model_and_checks_every_input(mode):
    x, W, b = away((3, 4)), ag.Tensor(away((4, 5)), name="W"), ag.Tensor(away(5), name="b")
    report = ag.gradcheck(model, [x, W, b], mode=mode)
    assert report.ok and report.status == "passed", report
    assert [c.name for c in report.inputs] == ["x", "W", "b"]  # f's name for x, Tensor names
    assert all(c.max_abs_error < 1e-7 for c in report.inputs)
    kind, count = ("element", 12) if mode == "full" else ("direction", 3)
    assert report["x"].kind == kind and report["x"].n_checked == count
    assert report["W"].shape == (4, 5)


def test_report_metrics_follow_their_definitions():
    x = away((3, 4))
    report = ag.gradcheck(lambda x: (x * x).tanh(), [x])
    c = report["x"]
    a, n = c.analytic, c.numerical
    assert c.mean_abs_difference == pytest.approx(np.mean(np.abs(a - n)))
    norm = np.linalg.norm(a) + np.linalg.norm(n)
    assert c.rel_difference == pytest.approx(np.linalg.norm(a - n) / norm)
    assert c.max_abs_error == pytest.approx(np.max(np.abs(a - n)))
    assert a[c.worst_index] == c.worst_analytic and n[c.worst_index] == c.worst_numerical


def test_the_analytic_gradient_is_that_of_a_random_upstream_gradient():
    """Non-scalar outputs: the check differentiates sum(G * f) for a random G, not sum(f)."""
    x = away((2, 3))
    c = ag.gradcheck(lambda x: x * 3.0, [x])["x"]
    assert c.ok and not np.allclose(c.analytic, 3.0)
    assert np.all(np.abs(c.analytic) >= 1.5 - 1e-12) and np.all(np.abs(c.analytic) <= 4.5)


def test_str_and_html_show_the_table():
    W = ag.Tensor(away((3, 3)), name="W")
    report = ag.gradcheck(lambda x, W: x @ W, [away((2, 3)), W])
    text = str(report)
    assert text.splitlines()[0].startswith("gradcheck (mode=full, eps=1.0e-06")
    assert "PASSED" in text and "max abs" in text and "rel diff" in text and "mean abs" in text
    assert any(line.startswith("W ") for line in text.splitlines())
    html = report._repr_html_()
    assert "<table>" in html and "<td>W</td>" in html and "passed" in html


def test_a_failure_shows_the_worst_element_and_raises_on_request():
    f = lambda x: ag.apply(WrongSquare, x)  # noqa: E731
    x = np.array([[1.0, 2.0], [-3.0, 0.5]])
    report = ag.gradcheck(f, [x])
    c = report["x"]
    assert not report.ok and c.status == "failed" and report.failures == [c]
    assert c.worst_index == (1, 0)  # the largest error relative to the tolerance
    assert c.worst_numerical == pytest.approx(2 * -3.0 * c.analytic[1, 0] / (3 * -3.0), rel=1e-6)
    assert "FAILED" in str(report) and "gradient off at 4 of 4 element(s)" in str(report)
    with pytest.raises(ag.GradcheckError) as info:
        ag.gradcheck(f, [x], raise_on_failure=True)
    assert isinstance(info.value, AssertionError) and info.value.report["x"].status == "failed"
    with pytest.raises(ag.GradcheckError):
        report.assert_ok()


class WrongSquare(ag.Op):
    """y = x^2 with the derivative 3x (should be 2x)."""

    label = "WrongSquare"

    @staticmethod
    def forward(x):
        return x * x, x

    @staticmethod
    def backward(x, g):
        return (g * 3 * x,)


# ----- kinks ------------------------------------------------------------------------------
def test_relu_at_zero_is_a_counted_kink_not_a_failure():
    x = np.array([0.0, 1.0, -1.0, 0.0])
    c = ag.gradcheck(lambda x: ag.relu(x) * 2.0, [x])["x"]
    assert c.ok and c.status == "passed" and c.n_kinks == 2
    assert c.kink_indices == [(0,), (3,)]
    assert "2 element(s) at a kink, judged against the one-sided derivatives: (0,), (3,)" in (
        c.message
    )


def test_max_with_ties_is_a_kink():
    x = np.array([[1.0, 1.0, 0.5], [0.3, 2.0, -1.0]])
    report = ag.gradcheck(lambda x: ag.max(x, axis=1), [x])
    assert report.ok and report["x"].n_kinks == 2  # the two tied maxima of row 0


def test_kinks_do_not_hide_a_wrong_gradient_elsewhere():
    x = np.array([0.0, 1.0, -1.5, 2.0])
    report = ag.gradcheck(lambda x: ag.relu(x) + ag.apply(WrongSquare, x), [x])
    assert not report.ok and report["x"].n_kinks == 1


def test_a_smooth_function_with_large_curvature_is_not_a_kink():
    x = np.array([3.0, 4.0, 5.0])
    c = ag.gradcheck(lambda x: ag.exp(x * 3.0), [x])["x"]  # phi'' ~ 1e7
    assert c.ok and c.n_kinks == 0


def test_fast_mode_through_one_kink_is_judged_not_skipped():
    x = np.array([0.0, 1.0, -1.0])
    report = ag.gradcheck(lambda x: ag.relu(x), [x], mode="fast")
    assert report.ok and report.status == "passed" and report["x"].n_kinks == 3


# ----- precision --------------------------------------------------------------------------
def test_float32_inputs_are_checked_on_float64_copies_and_stay_float32():
    x = ag.Tensor(away((3, 3)).astype(np.float32), name="x")
    before = x.data.copy()
    report = ag.gradcheck(lambda x: (x * x).sigmoid(), [x])
    assert report.ok and report.status == "passed" and not report.precision.limited
    assert x.dtype == np.float32 and np.array_equal(x.data, before) and x.grad is None
    assert any("float32 inputs were checked on float64 copies" in n for n in report.notes)


def test_a_function_computing_in_float32_gets_dtype_tolerances_and_no_false_failure():
    x = away((4, 4))
    f = lambda x: ag.apply(Cast32, x).tanh() * 3.0  # noqa: E731
    for mode in ("full", "fast"):
        report = ag.gradcheck(f, [x], mode=mode)
        assert report.ok and report.status == "passed" and report.precision.limited, report
        assert report.precision.eps == pytest.approx(np.finfo(np.float32).eps ** (1 / 3))
        assert any("f computes in float32 inside" in n for n in report.notes)


def test_a_wrong_gradient_in_float32_still_fails():
    x = away((3, 3))
    report = ag.gradcheck(lambda x: ag.apply(WrongSquare, ag.apply(Cast32, x)), [x])
    assert report.precision.limited and report.status == "failed"


def test_a_two_percent_error_in_a_float32_function_is_caught():
    class NoisyCast32(Cast32):
        label = "NoisyCast32"

        @staticmethod
        def backward(dtype, g):
            return ((g * (1 + 2e-2)).astype(dtype),)

    report = ag.gradcheck(lambda x: ag.apply(NoisyCast32, x), [np.array([0.5, 1.0])])
    assert report.precision.limited and report.status == "failed"
    assert "gradient off at 2 of 2 element(s)" in report["x"].message


# ----- safety: no mutation, no gradients left behind --------------------------------------
def test_inputs_are_untouched_and_get_no_gradients():
    x = away((2, 3))
    W = ag.Tensor(away((3, 3)), name="W")
    x_before, W_before = x.copy(), W.data.copy()
    ag.gradcheck(lambda x, W: (x @ W).tanh(), [x, W])
    ag.gradcheck(lambda x, W: (x @ W).tanh(), [x, W], mode="fast")
    assert np.array_equal(x, x_before) and np.array_equal(W.data, W_before)
    assert W.grad is None


def test_closure_parameters_keep_their_gradients():
    V = ag.Tensor(away((3, 2)), name="V")
    V.grad = np.full((3, 2), 7.0)
    ag.gradcheck(lambda x: (x @ V).tanh(), [away((2, 3))])
    assert np.array_equal(V.grad, np.full((3, 2), 7.0))


def test_a_function_that_raises_midway_leaves_everything_as_it_was():
    V = ag.Tensor(away((3, 2)), name="V")
    x = away((2, 3))
    x_before, V_before = x.copy(), V.data.copy()
    calls = []

    def f(x):
        calls.append(1)
        if len(calls) == 6:
            raise RuntimeError("boom in the middle of the numerical pass")
        return (x @ V).tanh()

    with pytest.raises(RuntimeError, match="boom"):
        ag.gradcheck(f, [x])
    assert np.array_equal(x, x_before) and np.array_equal(V.data, V_before) and V.grad is None


def test_fast_mode_needs_far_fewer_evaluations():
    calls = {"n": 0}

    def f(W):
        calls["n"] += 1
        return (W * W).sum()

    W = away((20, 20))
    ag.gradcheck(f, [W], mode="full")
    full, calls["n"] = calls["n"], 0
    ag.gradcheck(f, [W], mode="fast", directions=3)
    assert full >= 2 * 400 and calls["n"] <= 3 + 2 * 3


# ----- errors -------------------------------------------------------------------------------
def test_f_must_return_a_tensor():
    with pytest.raises(ag.DTypeError, match="gradcheck: f must return a Tensor, got float"):
        ag.gradcheck(lambda x: 1.0, [np.ones(2)])


def test_integer_inputs_are_refused_by_name():
    with pytest.raises(ag.DTypeError, match=r"input 1 \(labels\) has integer dtype int64"):
        ag.gradcheck(lambda x, labels: x.sum(), [np.ones(2), np.array([1, 0])])


@pytest.mark.parametrize(
    "key,value", [("eps", 0.0), ("eps", -1.0), ("atol", -1.0), ("rtol", float("nan"))]
)
def test_bad_tolerances_are_refused(key, value):
    with pytest.raises(ag.InvalidArgumentError, match=f"gradcheck: {key} must be a finite"):
        ag.gradcheck(lambda x: x, [np.ones(2)], **{key: value})


def test_the_wrong_number_of_inputs_is_refused():
    with pytest.raises(ag.InvalidArgumentError, match=r"cannot be called with 1 input\(s\)"):
        ag.gradcheck(lambda x, W: x @ W, [np.ones((2, 2))])


def test_bad_mode_and_nothing_to_check():
    with pytest.raises(ag.InvalidArgumentError, match="mode must be 'full' or 'fast'"):
        ag.gradcheck(lambda x: x, [np.ones(2)], mode="quick")
    with pytest.raises(ag.InvalidArgumentError, match="no input needs a gradient"):
        ag.gradcheck(lambda x: x * 2, [ag.Tensor(np.ones(2), requires_grad=False)])


def test_a_random_function_is_refused():
    rng = np.random.default_rng(0)
    with pytest.raises(ag.InvalidArgumentError, match="f is not deterministic"):
        ag.gradcheck(lambda x: ag.dropout(x, 0.5, rng=rng), [np.ones((3, 3))])


def test_a_function_that_writes_into_its_input_is_refused():
    def f(x):
        x.data *= 2
        return x * 1.0

    with pytest.raises(ag.InvalidArgumentError, match="f changed its input 'x' in place"):
        ag.gradcheck(f, [np.ones(3)])


def test_next_to_the_edge_of_the_domain_the_step_shrinks_until_f_is_defined():
    report = ag.gradcheck(lambda x: ag.log(x), [np.array([1e-7, 1.0])])  # log(1e-7 - 1e-6)
    c = report["x"]
    assert report.ok and c.status == "passed" and c.n_undefined == 0
    np.testing.assert_allclose(c.numerical, c.analytic, rtol=1e-4)


def test_a_float32_closure_parameter_mixed_with_float64_data_is_not_precision_limited():
    W32 = ag.Tensor(away((3, 3)).astype(np.float32), name="W32")
    report = ag.gradcheck(lambda x: (x @ W32).tanh(), [away((2, 3))])
    assert report.status == "passed" and not report.precision.limited


# ----- reports that help ------------------------------------------------------------------
def test_dead_relus_pass_but_say_nothing_was_checked():
    x = -np.abs(away((3, 4)))  # every ReLU is dead: all gradients are exactly zero
    report = ag.gradcheck(lambda x: ag.relu(x).sum(), [x])
    assert report.ok and report.nothing_checked and np.all(report["x"].analytic == 0)
    assert "nothing was checked: all gradients are zero" in str(report).splitlines()[1]
    assert "nothing was checked" in report.summary()


def test_an_input_f_does_not_use_with_others_used_is_not_nothing_checked():
    report = ag.gradcheck(lambda x, unused: x * 2.0, [away(3), away(3)])
    assert report.ok and not report.nothing_checked
    assert np.all(report["unused"].analytic == 0) and report["unused"].status == "passed"


def test_a_long_check_says_how_long_and_that_fast_mode_exists(monkeypatch, capsys):
    from autograd_lite.gradcheck import progress

    monkeypatch.setattr(progress, "LONG", 20)
    ag.gradcheck(lambda x: (x * x).sum(), [away((5, 5))])
    err = capsys.readouterr().err
    assert "gradcheck: checking 25 elements one by one" in err and "mode='fast'" in err
    ag.gradcheck(lambda x: (x * x).sum(), [away((5, 5))], progress=False)
    ag.gradcheck(lambda x: (x * x).sum(), [away((5, 5))], mode="fast")
    assert capsys.readouterr().err == ""
    ag.gradcheck(lambda x: (x * x).sum(), [away(3)], progress=True)
    assert "checking 3 elements" in capsys.readouterr().err


def test_bad_progress_is_refused():
    with pytest.raises(ag.InvalidArgumentError, match="progress must be None, True or False"):
        ag.gradcheck(lambda x: x, [np.ones(2)], progress="yes")


def test_mixed_scales_get_accurate_slopes_and_a_tolerance_at_least_the_floors():
    x = np.array([1e-3, 1.0, 1e3])
    c = ag.gradcheck(lambda x: x * x * x, [x])["x"]
    assert c.status == "passed" and c.allowed.shape == x.shape
    assert np.all(c.allowed >= 1e-8 + 1e-6 * np.abs(c.numerical))
    # output arrays are differenced before they are summed: the 1e9-sized element does not
    # spoil the slope of the 1e-3 one (3e-6 times G)
    np.testing.assert_allclose(c.numerical, c.analytic, rtol=1e-6)


def test_check_graph_reports_a_write_into_saved():
    class SavedScribbler(ag.Op):
        label = "SavedScribbler"

        @staticmethod
        def forward(x):
            return x * x, x.copy()

        @staticmethod
        def backward(x, g):
            gx = 2 * x * g
            x *= 0
            return (gx,)

    loss = (ag.apply(SavedScribbler, ag.Tensor(away((2, 2)))) * 3.0).sum()
    report = ag.check_graph(loss)
    assert [n.label for n in report.failures] == ["SavedScribbler"]
    assert "wrote into its saved values" in report.failures[0].message
    checked = ag.gradcheck(lambda x: ag.apply(SavedScribbler, x) * 3.0, [away((2, 2))])
    assert "no op writes into saved" in {c.name for c in checked.failures}
