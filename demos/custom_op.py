"""Writing your own op: define it, use it, check it with ``ag.check_op``, property-test it.

1. Two ops as a user writes them: ``Softplus`` (y = log(1 + e^x)) and ``Swish`` with a
   parameter (y = x * sigmoid(beta x)), each a stateless ``ag.Op`` with a ``label`` (what the
   graph picture shows) and a ``Domain`` (where the test helpers draw inputs).
2. Used in a graph like any built-in op, drawn with values and gradients.
3. ``ag.check_op`` verifies each backward: finite differences with a random upstream gradient,
   linearity in it, shapes, dtypes, and that nothing is written into the inputs or ``g``.
4. Two planted bugs that ``check_op`` catches: a backward that ignores the upstream gradient
   (the book's ``SoftmaxWithLoss.backward`` ignores ``dout``), and one that writes into ``g``
   (the book's ``Relu.backward`` does ``dout[mask] = 0``).
5. ``autograd_lite.testing``: ``op_tests`` turns "my op and a NumPy reference" into hypothesis
   property tests, run here programmatically (in your project, pytest collects them); a
   hand-written property with the shipped ``arrays`` strategy; and the buggy op failing with
   hypothesis's shrunk counterexample.

Run: python demos/custom_op.py
"""

from __future__ import annotations

import numpy as np
from demo_kit import COLORS, SERIES, heading, out_dir, parser, plt, save, session
from hypothesis import given, settings

import autograd_lite as ag
from autograd_lite import testing

NAME = "custom_op"


class Softplus(ag.Op):
    """y = log(1 + e^x).   VJP: gx = g * sigmoid(x).

    ``np.logaddexp(0, x)`` computes log(e^0 + e^x) without overflow for large x.
    """

    label = "Softplus"
    domain = ag.Domain(arity=1, low=-5.0, high=5.0)

    @staticmethod
    def forward(x):
        s = np.exp(-np.logaddexp(0.0, -x))  # sigmoid(x), saved for backward
        return np.logaddexp(0.0, x), s

    @staticmethod
    def backward(s, g):
        return (g * s,)


class Swish(ag.Op):
    """y = x * sigmoid(beta x).   VJP: gx = g * (s + beta x s (1 - s)),  s = sigmoid(beta x)."""

    label = "Swish"
    domain = ag.Domain(arity=1, low=-5.0, high=5.0, params={"beta": (0.5, 1.0, 2.0)})

    @staticmethod
    def forward(x, beta=1.0):
        s = np.exp(-np.logaddexp(0.0, -beta * x))
        return x * s, (x, s, beta)

    @staticmethod
    def backward(saved, g):
        x, s, beta = saved
        return (g * (s + beta * x * s * (1.0 - s)),)


class SoftplusForgetsG(Softplus):
    """Planted bug: returns sigmoid(x), the local derivative, and forgets to multiply by g."""

    label = "Softplus (forgets g)"

    @staticmethod
    def backward(s, g):
        return (s,)


class SoftplusWritesG(Softplus):
    """Planted bug: computes the right numbers, but in place, into the caller's ``g``."""

    label = "Softplus (writes into g)"

    @staticmethod
    def backward(s, g):
        g *= s  # corrupts g for every other consumer of this gradient
        return (g,)


def softplus(x):
    return ag.apply(Softplus, x)


def swish(x, beta=1.0):
    return ag.apply(Swish, x, beta=beta)


def softplus_reference(x):
    return np.log1p(np.exp(x))


def swish_reference(x, beta=1.0):
    return x / (1.0 + np.exp(-beta * x))


def plot_functions(path):
    """Each op and its derivative; the derivative comes from backward() on a grid of x."""
    xs = np.linspace(-5, 5, 201)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    cases = [("Softplus", softplus, 1.0 / (1.0 + np.exp(-xs)))]
    for beta in (0.5, 1.0, 2.0):
        s = 1.0 / (1.0 + np.exp(-beta * xs))
        cases.append(
            (f"Swish, β = {beta:g}", lambda x, b=beta: swish(x, b), s + beta * xs * s * (1 - s))
        )
    for color, (label, fn, derivative) in zip(SERIES, cases):
        x = ag.Tensor(xs, name="x")
        y = fn(x)
        y.sum().backward()  # d sum(y) / d x_i = y'(x_i): the derivative at every grid point
        axes[0].plot(xs, y.data, color=color, label=label)
        axes[1].plot(xs, x.grad, color=color, label=f"{label} (backward)")
        axes[1].plot(xs, derivative, color="black", linestyle=":", linewidth=1)
    axes[1].plot([], [], color="black", linestyle=":", linewidth=1, label="formula")
    for ax, title in zip(axes, ("the functions", "their derivatives from backward()")):
        ax.set_xlabel("x")
        ax.set_title(title)
        ax.legend(loc="upper left")
        ax.axhline(0, color=COLORS["baseline"], linewidth=0.6)
    axes[0].set_ylabel("y")
    axes[1].set_ylabel("dy/dx")
    fig.suptitle("Your own ops: Softplus and Swish", fontsize=12)
    fig.tight_layout()
    return save(fig, path)


def draw_graph(path):
    """A tiny model that uses both ops; rendered with values and gradients."""
    x = ag.Tensor([[-1.0, 0.5, 2.0]], name="x")
    w = ag.Tensor([[0.3], [-0.8], [0.5]], name="w")
    h = softplus(x)
    h.name = "h"
    y = (swish(h, beta=2.0) @ w).sum()
    y.name = "y"
    y.backward(retain_graph=True)
    ag.render(y, path, values=True, grads=True, title="A graph with your own ops")
    print(f"wrote {path}")
    return path


def run_checks(rng) -> dict:
    """check_op on the two good ops and the two planted bugs; print each report."""
    x = rng.uniform(-3, 3, size=(4, 3))
    reports = {
        "Softplus": ag.check_op(Softplus, x, rng=rng),
        "Swish": ag.check_op(Swish, x, beta=2.0, rng=rng),
        "SoftplusForgetsG": ag.check_op(SoftplusForgetsG, x, rng=rng),
        "SoftplusWritesG": ag.check_op(SoftplusWritesG, x, rng=rng),
    }
    for name, report in reports.items():
        print(f"\n--- check_op({name}, x of shape {x.shape}) ---")
        print(report)
    return reports


def run_property_tests(max_examples: int) -> dict:
    """Hypothesis property tests, run from code (pytest would collect the same classes)."""
    results = {}
    tests = {
        "Softplus": testing.op_tests(Softplus, softplus_reference, max_examples=max_examples),
        "Swish": testing.op_tests(Swish, swish_reference, max_examples=max_examples),
        "SoftplusForgetsG": testing.op_tests(
            SoftplusForgetsG, softplus_reference, max_examples=max_examples
        ),
    }
    for name, cls in tests.items():
        for method in ("test_forward_matches_reference", "test_backward_passes_check_op"):
            results[(name, method)] = _run(f"{cls.__name__}.{method}", getattr(cls(), method))

    # A property of your own, with a shipped strategy: softplus(x) - softplus(-x) == x.
    @settings(max_examples=max_examples, deadline=None)
    @given(testing.arrays(low=-20.0, high=20.0))
    def test_softplus_odd_part_is_identity(x):
        with ag.no_grad():
            diff = (softplus(x) - softplus(-x)).data
        np.testing.assert_allclose(diff, x, rtol=1e-9, atol=1e-9)

    results[("Softplus", "odd part")] = _run(
        "softplus(x) - softplus(-x) == x", test_softplus_odd_part_is_identity
    )
    return results


def _run(title: str, test) -> bool:
    """Run one hypothesis test; print PASSED, or FAILED with the shrunk counterexample."""
    try:
        test()
    except Exception as e:  # hypothesis re-raises the test's own failure, after shrinking
        print(f"FAILED  {title}")
        print(f"          {str(e).splitlines()[0]}")
        for note in getattr(e, "__notes__", []):  # "Falsifying example: ..." / "Failing ..."
            if note.startswith(("Falsifying", "Failing")):
                args = [ln.split("#")[0].strip() for ln in note.splitlines()[1:-1]]
                args = [a for a in args if a and not a.startswith("self=")]
                print("          shrunk to: " + " ".join(args))
        return False
    print(f"passed  {title}")
    return True


def main(out=None, seed: int = 0, tiny: bool = False) -> dict:
    """Define, draw, check and property-test the ops; return the reports and results."""
    folder = out_dir(NAME, out)
    rng = np.random.default_rng(seed)
    with session(NAME):
        heading("Your ops in use")
        figures = [plot_functions(folder / "functions.png"), draw_graph(folder / "graph.png")]
        heading("ag.check_op: two correct ops, two planted bugs")
        reports = run_checks(rng)
        heading("autograd_lite.testing: property tests with hypothesis")
        properties = run_property_tests(max_examples=10 if tiny else 100)
    return {"reports": reports, "properties": properties, "figures": figures}


if __name__ == "__main__":
    main(**vars(parser(NAME, __doc__).parse_args()))
