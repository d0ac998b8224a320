"""The command line's bounds: the red-team's worst cases run as subprocesses under a 1 GiB
address-space limit and a timeout, and each must exit with status 2 and a message that says
what was refused. The other tests run ``main()`` in-process: valid expressions with negative
literals, typo suggestions, hints."""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys

import pytest

from autograd_lite.cli.main import main

pytestmark = pytest.mark.slow  # the fast loop: pytest -m "not slow"

LIMIT = 2**30  # 1 GiB of address space: the "no input makes it use more than ~1 GB"
TIMEOUT = 120  # a hang fails the test instead of stopping the suite (not a speed assertion)


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def _run(args):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    return subprocess.run(
        [sys.executable, "-m", "autograd_lite", *args], capture_output=True, text=True,
        timeout=TIMEOUT, preexec_fn=_limit_memory, env=env,
    )


MANY_INPUTS = ["graph", " + ".join(f"x{i}.sum()" for i in range(300))]
for _i in range(300):
    MANY_INPUTS += ["--input", f"x{_i}=1000000"]

WORST = [
    (MANY_INPUTS, r"the inputs hold 300,000,000 elements in all \(300 inputs\); the command "
                  r"line allows at most 4,000,000"),
    (["graph", "broadcast_to(x,(100000,100000))", "--input", "x=1"],
     r"broadcast_to would make an array of shape \(100000, 100000\) \(10,000,000,000 elements\)"),
    (["graph", "(a*b).sum()", "--input", "a=1000000,1", "--input", "b=1,1000000"],
     r"the operator \* would make an array of shape \(1000000, 1000000\)"),
    (["graph", "(a@b).sum()", "--input", "a=1000000,1", "--input", "b=1,1000000"],
     r"the operator @ would make an array of shape \(1000000, 1000000\)"),
    (["graph", "affine(a, W, b).sum()", "--input", "a=1000000,1", "--input", "W=1,1000",
      "--input", "b=1000"], r"affine would make an array of shape \(1000000, 1000\)"),
    (["graph", "matmul(a, b).sum()", "--input", "a=1000,1", "--input", "b=1,1000000"],
     r"matmul would make an array"),
    (["graph", "broadcast_to(x,(1000000,1000000,1000000)).sum()", "--input", "x=1"],
     r"broadcast_to would make an array of shape \(1000000, 1000000, 1000000\)"),
    (["graph", "broadcast_to(x,(10**6,)*3).sum()", "--input", "x=1"],
     r"not allowed as a literal"),
    (["graph", "add(x, y).sum()", "--input", "x=1000000", "--input", "y=1000000,1"],
     r"add would make an array of shape \(1000000, 1000000\)"),
    (["graph", " + ".join(["x"] * 30), "--input", "x=1000,1000"],
     r"would hold more than 20,000,000 elements in all"),
    (["graph", "(a@b@b@b).sum()", "--input", "a=1000,1000", "--input", "b=1000,1000"],
     r"the matrix products of this expression would take more than 2,000,000,000 multiply-adds"),
    (["graph", "(a@b).sum()", "--input", "a=1000,1000", "--input", "b=1000,1000", "--check"],
     r"graph --check: checking every node would compute about [\d,]+ elements"),
    (["check", "(a@b).sum()", "--input", "a=1000,1000", "--input", "b=1000,1000", "--mode",
      "fast"], r"check: a fast check runs the expression 14 times"),
    (["check", "x.sum()", "--input", "x=1000,1000"],
     r"check: a full check of 1,000,000 input elements runs the expression 2,000,002 times.*"
     r"use --mode fast"),
    (["check", "(x * 2).sum()", "--input", "x=300,300"], r"a full check of 90,000 input"),
    (["graph", "1" * 309 + " + x", "--input", "x=1"], r"has 309 digits; numbers must be below"),
    (["graph", "x.sum()", "--input", "x=2", "--seed", "-1"],
     r"argument --seed: expected an integer seed >= 0, got '-1'"),
    (["check", "x.sum()", "--input", "x=2", "--seed", "1.5"],
     r"argument --seed: expected an integer seed >= 0, got '1.5'"),
    (["train", "--seed", "-3"], r"argument --seed: expected an integer seed >= 0"),
    (["train", "--model", "mlp", "--hidden", "100000", "100000", "--epochs", "1"],
     r"--hidden: a network of sizes \[64, 100000, 100000, 10\] has 10,007,400,000 weights"),
    (["train", "--hidden", "20000", "--batch-size", "5000", "--epochs", "1"],
     r"--batch-size 5000: a batch of 1,438 examples through layers of up to 20,000 units holds "
     r"28,760,000 values, more than 20,000,000"),
    (["graph", "x.sum()", "--input", "x=²"],
     r"every dimension must be a positive integer, got '²'"),
    (["graph", "x.sum()", "--input", "x=٣"], r"every dimension must be a positive integer"),
]


@pytest.mark.parametrize("args, message", WORST, ids=[" ".join(a)[:60] for a, _ in WORST])
def test_worst_cases_exit_2_with_a_message_under_a_memory_limit(args, message):
    result = _run(args)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("autograd-lite: error:")
    assert re.search(message, result.stderr), result.stderr[-2000:]


# ----- valid expressions with negative literals ---------------------------------------------
@pytest.mark.parametrize("expression, shape", [
    ("x.sum(axis=-1)", "2,3"),
    ("softmax(x, axis=-1).sum()", "2,3"),
    ("x.reshape(-1).sum()", "2,3"),
    ("x.reshape(3, -1).sum()", "2,3"),
    ("x.transpose(-1, 0).sum()", "2,3"),
    ("x.mean(axis=(-2, -1))", "2,3"),
    ("x[-1].sum()", "2,3"),
    ("(x * -2).sum()", "2,3"),
])  # fmt: skip
def test_negative_integer_literals_are_accepted(expression, shape, capsys):
    assert main(["graph", expression, "--input", f"x={shape}"]) == 0, capsys.readouterr().err
    assert main(["check", expression, "--input", f"x={shape}"]) == 0, capsys.readouterr().err


# ----- friction: suggestions and hints --------------------------------------------------------
@pytest.mark.parametrize("argv, hint", [
    (["graph", "sigmod(x)", "--input", "x=2"], "the function 'sigmod' is not allowed; did you "
                                               "mean sigmoid?"),
    (["grpah", "x", "--input", "x=2"], "invalid choice: 'grpah'"),
    (["graph", "x.sigmod()", "--input", "x=2"], "did you mean .sigmoid?"),
    (["graph", "relu(wieghts)", "--input", "weights=2"],
     "the name 'wieghts' is not an input; did you mean weights?"),
    (["graph", "np.exp(x)", "--input", "x=2"], "np.exp: modules are not available in an "
                                               "expression; the functions are called by their "
                                               "own names: write exp(x) or x.exp()"),
    (["graph", "np.affine(x, x, x)", "--input", "x=2"], "write affine(x)"),
    (["graph", "numpy.linalg(x)", "--input", "x=2"], "use one of the functions"),
    (["check", "(x ** 0.5).sum()", "--input", "x=3"], "Draw positive inputs with --uniform 0.5 2"),
    (["check", "log(x).sum()", "--input", "x=3"], "--uniform 0.5 2"),
])  # fmt: skip
def test_friction_messages(argv, hint, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert hint in err, err
    if argv[0] == "grpah":
        assert "did you mean graph?" in err


def test_no_suggestion_when_nothing_is_close(capsys):
    assert main(["graph", "frobnicate(x)", "--input", "x=2"]) == 2
    assert "did you mean" not in capsys.readouterr().err


def test_a_positive_check_passes_with_uniform_inputs(capsys):
    assert main(["check", "(x ** 0.5).sum()", "--input", "x=3", "--uniform", "0.5", "2"]) == 0
