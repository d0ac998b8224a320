"""The ``autograd-lite`` command: graph, check, doctor, the safe expression language, and how
user errors are reported (one line on stderr, exit status 2, no traceback)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.cli import main
from autograd_lite.cli.expr import Expression
from autograd_lite.cli.graph import parse_input
from autograd_lite.ops import Tanh

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run(capsys, *argv):
    """(exit status, stdout, stderr) of ``autograd-lite ARGV`` run in this process."""
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# ----- the expression language ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("relu(x @ W + b).sum()", lambda x, W, b: np.maximum(x @ W + b, 0).sum()),
        ("(x @ W).T.sum(axis=1)", lambda x, W, b: (x @ W).T.sum(axis=1)),
        ("-x.mean() + 2 ** 3 - b / 4", lambda x, W, b: -x.mean() + 8 - b / 4),
        ("affine(x, W, b).tanh().reshape(8)", lambda x, W, b: np.tanh(x @ W + b).reshape(8)),
        ("x[0] * x[:, 1:3].sum()", lambda x, W, b: x[0] * x[:, 1:3].sum()),
        ("x.transpose(1, 0).exp().max(axis=0, keepdims=True)",
         lambda x, W, b: np.exp(x.T).max(axis=0, keepdims=True)),
    ],
)
def test_expressions_compute_what_numpy_computes(text, reference):
    rng = np.random.default_rng(1)
    arrays = {"x": rng.standard_normal((2, 3)), "W": rng.standard_normal((3, 4)),
              "b": rng.standard_normal(4)}
    expr = Expression(text, arrays)
    result = expr.evaluate({k: ag.Tensor(v, name=k) for k, v in arrays.items()})
    np.testing.assert_allclose(result.data, reference(**arrays), rtol=1e-12)


def test_labels_list_literal_feeds_softmax_with_loss():
    x = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]])
    expr = Expression("softmax_with_loss(x, [0, 2])", ["x"])
    value = expr.evaluate({"x": ag.Tensor(x)}).item()
    p = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    assert value == pytest.approx(-(np.log(p[0, 0]) + np.log(p[1, 2])) / 2)


@pytest.mark.parametrize(
    ("text", "message", "caret"),
    [
        ("__import__('os')", "the function '__import__' is not allowed", "^^^^^^^^^^"),
        ("x.__class__", "the attribute .__class__ is not allowed", "  ^^^^^^^^^"),
        ("[i for i in x]", "a list comprehension is not allowed", "^^^^^^^^^^^^^^"),
        ("open('f')", "the function 'open' is not allowed", "^^^^"),
        ("lambda: 1", "a lambda is not allowed", "^^^^^^^^^"),
        ("x + y", "the name 'y' is not an input", "    ^"),
        ("x // 2", "the operator '//' is not allowed", "  ^^"),
        ("relu(x) + 'a'", "strings are not allowed", "          ^^^"),
        ("x.sum().__class__.__bases__", "the attribute .__class__ is not allowed",
         "        ^^^^^^^^^"),
        ("x.__class__.__subclasses__()", "the attribute .__class__ is not allowed",
         "  ^^^^^^^^^"),
        ("y // 2", "the name 'y' is not an input", "^"),
        ("import os", "not valid syntax", "^^^^^^"),
        ("x.sum(axis=x)", "the name 'x' is not allowed as a literal", "           ^"),
        ("relu(*x)", "'*' unpacking is not allowed", "     ^^"),
        ("x if x else x", "an if-expression is not allowed", "^^^^^^^^^^^^^"),
        ("x.T()", ".T is a property", "  ^"),
    ],
)
def test_hostile_or_unknown_expressions_are_refused_with_a_caret(text, message, caret):
    with pytest.raises(ag.ExpressionError) as info:
        Expression(text, ["x"])
    lines = str(info.value).splitlines()
    assert message in lines[0]
    assert lines[1] == "    " + text
    assert lines[2] == "    " + caret


def test_a_refused_expression_runs_nothing(monkeypatch):
    """The whole tree is checked before evaluation: nothing is called for a bad expression."""
    calls = []
    monkeypatch.setattr(ag.Tensor, "relu", lambda self: calls.append("relu"))
    with pytest.raises(ag.ExpressionError):
        Expression("x.relu() + x.__class__", ["x"])
    assert calls == []


def test_errors_from_the_ops_point_at_the_failing_part():
    expr = Expression("relu(x) + x @ x", ["x"])
    x = ag.Tensor(np.ones((2, 3)), name="x")
    with pytest.raises(ag.ExpressionError) as info:
        expr.evaluate({"x": x})
    lines = str(info.value).splitlines()
    assert "MatMul" in lines[0]
    assert lines[2] == "    " + " " * 10 + "^^^^^"


def test_pure_number_arithmetic_cannot_explode():
    expr = Expression("9 ** 9 ** 9 * x", ["x"])
    result = expr.evaluate({"x": ag.Tensor(np.ones(2))})
    assert np.isinf(result.data).all()


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("x=2,3", ("x", (2, 3))), ("W1=4", ("W1", (4,))), ("s=", ("s", ())), ("b=(3,)", ("b", (3,)))],
)
def test_input_specs(spec, expected):
    assert parse_input(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [("x=2,a", "every dimension must be a positive integer, got 'a'"),
     ("x=0", "every dimension must be a positive integer, got '0'"),
     ("2x=3", "is not a valid name"), ("x", "expected NAME=SHAPE"),
     ("relu=3", "is the name of a function"), ("x=100000,100000", "too many")],
)
def test_bad_input_specs(spec, message):
    with pytest.raises(ag.InvalidArgumentError, match=message):
        parse_input(spec)


# ----- graph ----------------------------------------------------------------------------------
def test_graph_writes_png_and_dot(tmp_path, capsys):
    png, dot = tmp_path / "g.png", tmp_path / "g.dot"
    common = ["relu(x @ W + b).sum()", "--input", "x=2,3", "--input", "W=3,4", "--input", "b=4",
              "--values", "--grads"]
    status, out, err = run(capsys, "graph", *common, "-o", str(png))
    assert (status, err) == (0, "")
    assert str(png) in out
    assert png.read_bytes()[:8] == PNG_MAGIC
    status, _, _ = run(capsys, "graph", *common, "-o", str(dot))
    source = dot.read_text()
    assert status == 0
    assert source.startswith("digraph")
    for label in ("MatMul", "Add", "ReLU", "Sum", ">x<", ">W<", ">b<", "grad"):
        assert label in source


def test_graph_grads_of_a_non_scalar_result_says_it_sums(capsys):
    status, out, _ = run(capsys, "graph", "tanh(x)", "--input", "x=3", "--grads")
    assert status == 0
    assert "backward ran with an upstream gradient of ones" in out
    assert "digraph" in out  # no -o: the DOT text is printed
    assert "not computed" not in out


def test_graph_input_values_follow_the_seed(capsys):
    argv = ["graph", "x.sum()", "--input", "x=2", "--values"]
    out_a = run(capsys, *argv, "--seed", "3")[1]
    assert run(capsys, *argv, "--seed", "3")[1] == out_a
    assert run(capsys, *argv, "--seed", "4")[1] != out_a


# ----- check ----------------------------------------------------------------------------------
def test_check_passes_with_exit_status_0(capsys):
    status, out, err = run(capsys, "check", "softmax_with_loss(x @ W, [0, 2])",
                           "--input", "x=2,3", "--input", "W=3,3")
    assert (status, err) == (0, "")
    assert "PASSED" in out
    for name in ("x", "W"):
        assert any(line.startswith(f"{name} ") for line in out.splitlines())


def test_check_fails_with_exit_status_1_on_a_wrong_backward(capsys, monkeypatch):
    def wrong_backward(y, g):
        return (g * (1.0 - y),)  # should be g * (1 - y**2)

    monkeypatch.setattr(Tanh, "backward", staticmethod(wrong_backward))
    status, out, err = run(capsys, "check", "tanh(x @ W).sum()", "--input", "x=2,3",
                           "--input", "W=3,2")
    assert (status, err) == (1, "")
    assert "FAILED" in out
    monkeypatch.undo()
    assert run(capsys, "check", "tanh(x @ W).sum()", "--input", "x=2,3",
               "--input", "W=3,2")[0] == 0


def test_check_uniform_inputs_keep_log_finite(capsys):
    status, out, _ = run(capsys, "check", "log(x).sum()", "--input", "x=4",
                         "--uniform", "0.5", "2")
    assert status == 0
    assert "PASSED" in out


# ----- user errors: one line, exit 2, no traceback -------------------------------------------
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["graph", "__import__('os')", "--input", "x=2"], "the function '__import__'"),
        (["graph", "x.__class__", "--input", "x=2"], "the attribute .__class__"),
        (["graph", "[i for i in x]", "--input", "x=2"], "a list comprehension"),
        (["check", "open('f')", "--input", "x=2"], "the function 'open'"),
        (["check", "lambda: 1", "--input", "x=2"], "a lambda"),
        (["graph", "x", "--input", "x=2,a"], "every dimension must be a positive integer"),
        (["graph", "x @ x", "--input", "x=2,3"], "MatMul"),
        (["graph", "2 + 3"], "does not depend on any input"),
        (["graph", "x", "--input", "x=2", "-o", "g.txt"], "cannot tell the format"),
        (["train", "--dataset", "imagenet"], "unknown dataset 'imagenet'"),
        (["train", "--dataset", "mnist"], "needs the folder holding the MNIST files"),
        (["train", "--epochs", "0"], "expected a positive integer"),
        (["train", "--optimizer", "lbfgs"], "invalid choice: 'lbfgs'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_user_errors_print_one_clear_message_and_exit_2(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.startswith("autograd-lite: error: ")
    assert message in err.splitlines()[0]
    assert "Traceback" not in err


def test_missing_mnist_folder_is_a_user_error(tmp_path, capsys):
    status, _, err = run(capsys, "train", "--dataset", "mnist", str(tmp_path / "nowhere"))
    assert status == 2
    assert "does not exist" in err


def test_empty_mnist_folder_names_the_files_it_needs(tmp_path, capsys):
    status, _, err = run(capsys, "train", "--dataset", "mnist", str(tmp_path), "--epochs", "1")
    assert status == 2
    assert err.startswith("autograd-lite: error: ")
    assert "train-images-idx3-ubyte" in err or "mnist.npz" in err
    assert "Traceback" not in err


def test_internal_errors_keep_their_traceback(monkeypatch):
    import autograd_lite.cli.doctor as doctor

    def broken(args, out=None):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(doctor, "run_doctor", broken)
    with pytest.raises(ZeroDivisionError):
        main(["doctor"])


def test_help_texts_have_examples(capsys):
    for argv in (["--help"], ["train", "--help"], ["graph", "--help"], ["check", "--help"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 0
        assert "examples:" in capsys.readouterr().out


# ----- doctor and the entry points ------------------------------------------------------------
def test_doctor_names_the_working_backend(capsys):
    status, out, _ = run(capsys, "doctor")
    assert status == 0, out
    assert f"autograd_lite   {ag.__version__}" in out
    assert "numpy" in out
    backend_lines = [line for line in out.splitlines() if "works:" in line]
    assert backend_lines, out
    assert "-> ag.render uses: " in out
    assert "BLAS" in out


def test_doctor_without_any_backend_says_what_to_install(capsys, monkeypatch):
    from autograd_lite.viz import backends as render_module

    def no_dot(source, fmt):
        raise FileNotFoundError("no `dot` program on PATH")

    def no_pygraphviz(source, fmt):
        raise ImportError("No module named 'pygraphviz'")

    monkeypatch.setattr(render_module, "BACKENDS",
                        (("system dot", no_dot), ("pygraphviz", no_pygraphviz)))
    status, out, _ = run(capsys, "doctor")
    assert status == 1
    assert "no backend works" in out
    assert "pip install --force-reinstall pygraphviz" in out


def test_python_dash_m_runs_the_command():
    done = subprocess.run([sys.executable, "-m", "autograd_lite", "graph", "x.sum()", "-i", "x=2"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "digraph" in done.stdout
    done = subprocess.run([sys.executable, "-m", "autograd_lite", "graph", "x.__class__",
                           "-i", "x=2"], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr.startswith("autograd-lite: error: expression: the attribute .__class__")
    assert "Traceback" not in done.stderr


def test_values_given_on_the_command_line_give_the_books_apple_graph(tmp_path, capsys):
    dot = tmp_path / "apple.dot"
    status, _, err = run(capsys, "graph", "apple * num * tax", "--value", "apple=100",
                         "--value", "num=2", "--value", "tax=1.1", "-o", str(dot),
                         "--values", "--grads")
    assert (status, err) == (0, "")
    source = dot.read_text()
    for text in (">apple<", ">100<", ">220<", "grad 2.2<", "grad 110<", "grad 200<"):
        assert text in source


def test_inputs_keep_the_order_given_and_names_are_unique(capsys):
    status, out, _ = run(capsys, "check", "(x * y).sum()", "--value", "x=1,2,3", "-i", "y=3")
    assert status == 0
    rows = [line.split()[0] for line in out.splitlines() if line.startswith(("x ", "y "))]
    assert rows == ["x", "y"]
    status, _, err = run(capsys, "check", "x.sum()", "--value", "x=1,2", "-i", "x=2")
    assert status == 2
    assert "the input 'x' is given twice" in err
    status, _, err = run(capsys, "check", "x.sum()", "--value", "x=1,a")
    assert status == 2
    assert "expected finite numbers" in err


def test_graph_check_marks_the_wrong_node_and_exits_1(tmp_path, capsys, monkeypatch):
    dot = tmp_path / "checked.dot"
    argv = ["graph", "tanh(x @ W).sum()", "--input", "x=2,3", "--input", "W=3,2", "--check",
            "-o", str(dot)]
    status, out, _ = run(capsys, *argv)
    assert status == 0
    assert "FAILED" not in out
    monkeypatch.setattr(Tanh, "backward", staticmethod(lambda y, g: (g * (1.0 - y),)))
    status, out, _ = run(capsys, *argv)
    assert status == 1
    failed = [line for line in out.splitlines() if "FAILED" in line and "Tanh" in line]
    assert failed, out
    assert "gradient check failed" in dot.read_text()


def test_long_and_deep_expressions_are_handled_without_a_crash(capsys):
    status, out, _ = run(capsys, "check", "x" + " + x" * 150, "--input", "x=2")
    assert status == 0
    assert "PASSED" in out
    for text, message in (("x" + " + x" * 400, "the expression is too deep"),
                          ("(" * 300 + "x" + ")" * 300, "not valid syntax"),
                          ("x + [[1, 2], [3]]", "ValueError"),
                          ("x + []", "a list must hold numbers"),
                          ("x" * 6000, "at most 5000")):
        status, _, err = run(capsys, "graph", text, "--input", "x=2")
        assert status == 2, text[:40]
        assert message in err.splitlines()[0]
        assert "Traceback" not in err
