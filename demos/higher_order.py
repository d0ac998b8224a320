"""Gradients of gradients: tanh's derivatives, Newton's method and a network's Hessian.

With ``create_graph=True`` a gradient is a Tensor with its own graph, so it can be differentiated
again (docs/higher_order.md). Three parts:

- ``tanh``: tanh and its derivatives 1 to 6 on one plot (the classic picture of HIPS autograd
  and DeZero), each one ``ag.grad(previous.sum(), x, create_graph=True)``, checked against the
  closed forms from the recurrence P_{n+1}(t) = P_n'(t) (1 - t^2), t = tanh(x). The graph of the
  third derivative at x = 1 is drawn with ``ag.render``.
- ``newton``: Newton's method x <- x - f'(x) / f''(x) against gradient descent on
  f(x) = x^4 - 2x^2 from x = 2 (DeZero's loop: ``backward(create_graph=True)``, then the
  gradient's own ``backward``; Newton lands on 1 in 7 steps), and on Rosenbrock's function
  from (0, 2) (Newton with the 2x2 Hessian from ``ag.hessian``, gradient descent with DeZero's
  learning rate 0.001), paths drawn on the contour.
- ``hessian``: a 2-8-3 tanh network trained on the spiral toy set; the Hessian of its loss with
  respect to the 40 weights of W1 and W2, as an image, with its eigenvalues. The W2 block is
  positive semi-definite (the loss is convex in the last layer) with at least 8 zero eigenvalues
  (softmax ignores a shift shared by all classes); the whole Hessian is not.

Run: python demos/higher_order.py [tanh] [newton] [hessian]   (all by default)
"""

from __future__ import annotations

import numpy as np
from demo_kit import SERIES, Stopwatch, heading, out_dir, parser, plt, save, session
from numpy.polynomial import Polynomial

import autograd_lite as ag

NAME = "higher_order"
PARTS = ("tanh", "newton", "hessian")
#: DeZero's learning rates: 0.01 on the quartic (step 29), 0.001 on Rosenbrock (step 28)
QUARTIC_LR, ROSENBROCK_LR = 0.01, 0.001


# ----- tanh and its derivatives ----------------------------------------------------------------
def tanh_derivatives(values: np.ndarray, order: int = 6) -> list:
    """tanh(x) and its derivatives 1..order at ``values``, each the gradient of the one before.

    tanh acts elementwise, so the gradient of ``sum(d^n y)`` is the elementwise n+1-th derivative.
    """
    x = ag.Tensor(values, name="x")
    y = ag.tanh(x)
    curves = [y.data]
    for _ in range(order):
        (y,) = ag.grad(y.sum(), x, create_graph=True)
        curves.append(y.data)
    return curves


def tanh_closed_forms(t: np.ndarray, order: int = 6) -> list:
    """The same derivatives from the formula: d tanh/dx = 1 - t^2, so d^n tanh = P_n(t) with
    P_0(t) = t and P_{n+1}(t) = P_n'(t) (1 - t^2) (the chain rule through t)."""
    p, one_minus_t2 = Polynomial([0, 1]), Polynomial([1, 0, -1])
    curves = []
    for _ in range(order + 1):
        curves.append(p(t))
        p = p.deriv() * one_minus_t2
    return curves


def third_derivative_graph(path):
    """d^3 tanh / dx^3 at x = 1 as a Tensor, and its graph drawn left to right (it is wider
    than tall, like a screen)."""
    x = ag.Tensor(1.0, name="x")
    g = ag.tanh(x)
    for _ in range(3):
        (g,) = ag.grad(g, x, create_graph=True)
    g.name = "d3y/dx3"
    ag.render(g, path, rankdir="LR", title="The graph of the third derivative of tanh at x = 1")
    print(f"wrote {path}")
    return g


def part_tanh(folder, tiny: bool) -> dict:
    heading("tanh and its derivatives 1..6, each the gradient of the one before")
    xs = np.linspace(-7, 7, 41 if tiny else 401)
    curves = tanh_derivatives(xs)
    reference = tanh_closed_forms(np.tanh(xs))
    errors = [float(np.max(np.abs(c - r))) for c, r in zip(curves, reference)]
    at_zero = tanh_derivatives(np.array([0.0]))
    print(f"{'n':>3} {'d^n tanh(0)':>12} {'max |autograd - closed form|':>30}")
    for n, (value, error) in enumerate(zip(at_zero, errors)):
        print(f"{n:>3} {value[0] + 0.0:>12.6g} {error:>30.2e}")

    fig, ax = plt.subplots(figsize=(8, 4.8))
    for n, (curve, color) in enumerate(zip(curves, ["black"] + SERIES)):
        label = "tanh(x)" if n == 0 else f"order {n}"
        ax.plot(xs, curve, color=color, label=label, linewidth=2.2 if n == 0 else 1.4)
    ax.set_ylim(-6, 6)  # the 5th and 6th derivatives reach about ±17 near 0
    ax.set_xlabel("x")
    ax.set_title("tanh and its derivatives of order 1 to 6 (ag.grad with create_graph=True)")
    ax.legend(loc="lower right", ncol=2)
    figures = [save(fig, folder / "tanh_derivatives.png")]
    g3 = third_derivative_graph(folder / "tanh_third_derivative_graph.png")
    figures.append(folder / "tanh_third_derivative_graph.png")
    nodes = sum(1 for t in ag.engine.topological_order(g3) if t._op is not None)
    print(f"d3 tanh/dx3 at x = 1: {g3.item():.10f} (closed form "
          f"{reference_at(1.0, 3):.10f}), its graph has {nodes} op nodes")
    return {"x": xs, "curves": curves, "errors": errors, "at_zero": [v[0] for v in at_zero],
            "third": g3.item(), "graph_ops": nodes, "figures": figures}


def reference_at(x: float, n: int) -> float:
    return float(tanh_closed_forms(np.tanh(np.array([x])), n)[n][0])


# ----- Newton's method against gradient descent ------------------------------------------------
def quartic(x):
    return x**4 - 2 * x**2


def newton_quartic(x0: float, steps: int) -> list:
    """DeZero's loop: the first backward records the gradient's graph, the second
    differentiates it; x <- x - f'(x) / f''(x)."""
    x = ag.Tensor(x0, name="x")
    path = [x.item()]
    for _ in range(steps):
        y = quartic(x)
        y.backward(create_graph=True)
        gx = x.grad  # f'(x), a Tensor with a graph
        x.zero_grad()
        gx.backward()
        gx2 = x.grad  # f''(x), an array
        x.zero_grad()
        with ag.no_grad():
            x -= gx.data / gx2
        path.append(x.item())
    return path


def gradient_descent_quartic(x0: float, lr: float, tol: float, max_steps: int) -> list:
    """x <- x - lr f'(x) until |x - 1| < tol."""
    x = ag.Tensor(x0, name="x")
    path = [x.item()]
    while abs(path[-1] - 1) >= tol and len(path) <= max_steps:
        quartic(x).backward()
        with ag.no_grad():
            x -= lr * x.grad
        x.zero_grad()
        path.append(x.item())
    return path


def rosenbrock(v):
    """Rosenbrock's banana, minimum 0 at (1, 1); ``v`` a Tensor of shape (2,) (or an array)."""
    x0, x1 = v[0], v[1]
    return 100 * (x1 - x0**2) ** 2 + (x0 - 1) ** 2


def newton_rosenbrock(start, max_steps: int = 20, tol: float = 1e-10) -> np.ndarray:
    """v <- v - H^-1 grad until |grad| < tol, with the gradient from ``ag.grad`` and the
    Hessian from ``ag.hessian`` (both at the current point)."""
    v = np.array(start, dtype=np.float64)
    path = [v]
    for _ in range(max_steps):
        t = ag.Tensor(v, name="v")
        (g,) = ag.grad(rosenbrock(t), t)
        if np.linalg.norm(g) < tol:
            break
        H = ag.hessian(rosenbrock, v)
        v = v - np.linalg.solve(H, g)
        path.append(v)
    return np.array(path)


def gradient_descent_rosenbrock(start, lr: float, iterations: int) -> np.ndarray:
    v = ag.Tensor(np.array(start, dtype=np.float64), name="v")
    path = [v.data.copy()]
    for _ in range(iterations):
        rosenbrock(v).backward()
        with ag.no_grad():
            v -= lr * v.grad
        v.zero_grad()
        path.append(v.data.copy())
    return np.array(path)


def part_newton(folder, tiny: bool) -> dict:
    heading("Newton's method against gradient descent on x^4 - 2x^2 from x = 2")
    newton = newton_quartic(2.0, 7)
    descent = gradient_descent_quartic(2.0, QUARTIC_LR, tol=1e-10, max_steps=1000)
    print(f"{'step':>4} {'Newton x':>20}")
    for i, x in enumerate(newton):
        print(f"{i:>4} {x!r:>20}")
    print(f"gradient descent (lr {QUARTIC_LR}) needs {len(descent) - 1} steps to come within "
          f"1e-10 of 1; Newton is there after {len(newton) - 1}")

    heading("... and on Rosenbrock's function from (0, 2)")
    iterations = 2000 if tiny else 10000
    newton_path = newton_rosenbrock((0.0, 2.0))
    descent_path = gradient_descent_rosenbrock((0.0, 2.0), ROSENBROCK_LR, iterations)
    for name, path in (("Newton", newton_path), (f"gradient descent (lr {ROSENBROCK_LR})",
                                                 descent_path)):
        end = path[-1]
        print(f"{name:>28}: {len(path) - 1:>5} steps -> ({end[0]:.8f}, {end[1]:.8f}), "
              f"f = {rosenbrock(end):.3g}")

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    grid = np.linspace(-1.6, 2.1, 300)
    left.plot(grid, quartic(grid), color="#888888", linewidth=1.2)
    left.plot(descent, quartic(np.array(descent)), "o", color=SERIES[0], markersize=3,
              label=f"gradient descent, lr {QUARTIC_LR}: {len(descent) - 1} steps")
    left.plot(newton, quartic(np.array(newton)), "o-", color=SERIES[3], markersize=5,
              label=f"Newton: {len(newton) - 1} steps")
    left.set_ylim(-1.5, 9)
    left.set_xlabel("x")
    left.set_title("y = x⁴ - 2x² from x = 2 (minimum at 1)")
    left.legend(loc="upper center")
    gx, gy = np.meshgrid(np.linspace(-2, 2, 300), np.linspace(-1, 3, 300))
    right.contour(gx, gy, rosenbrock(np.array([gx, gy])), levels=np.logspace(-1, 3.5, 14),
                  colors="#bbbbbb", linewidths=0.6)
    right.plot(descent_path[:, 0], descent_path[:, 1], "-", color=SERIES[0],
               label=f"gradient descent, lr {ROSENBROCK_LR}: {len(descent_path) - 1} steps")
    right.plot(newton_path[:, 0], newton_path[:, 1], "o-", color=SERIES[3], markersize=5,
               label=f"Newton (ag.hessian): {len(newton_path) - 1} steps")
    right.plot(1, 1, "*", color="black", markersize=12)
    right.set_xlabel("x0")
    right.set_ylabel("x1")
    right.grid(False)
    right.set_title("Rosenbrock's function from (0, 2) (minimum at (1, 1))")
    right.legend(loc="upper left")
    fig.tight_layout()
    figures = [save(fig, folder / "newton.png")]
    return {"newton": newton, "descent": descent, "newton_path": newton_path,
            "descent_path": descent_path, "figures": figures}


# ----- a network's Hessian ---------------------------------------------------------------------
def part_hessian(folder, rng, tiny: bool) -> dict:
    heading("The Hessian of a 2-8-3 tanh network's loss with respect to W1 and W2")
    x, labels = ag.data.spiral(n_per_class=30 if tiny else 100, rng=rng)
    hidden = 8
    W1 = rng.normal(size=(2, hidden))
    W2 = rng.normal(size=(hidden, 3)) / np.sqrt(hidden)
    b1, b2 = np.zeros(hidden), np.zeros(3)
    n1 = W1.size

    def loss(w):
        """The loss as a function of the 40 weights in one vector: W1 first, then W2."""
        h = np.tanh(x @ w[:n1].reshape(W1.shape) + b1)
        return ag.softmax_with_loss(h @ w[n1:].reshape(W2.shape) + b2, labels)

    w = ag.Tensor(np.concatenate([W1.ravel(), W2.ravel()]), name="w")
    steps = 100 if tiny else 1000
    first = loss(w).item()
    for _ in range(steps):  # plain gradient descent, so the Hessian is taken somewhere sensible
        (g,) = ag.grad(loss(w), w)
        with ag.no_grad():
            w -= 1.0 * g
    print(f"loss {first:.4f} -> {loss(w).item():.4f} after {steps} steps of gradient descent")
    H = ag.hessian(loss, w)
    asymmetry = float(np.max(np.abs(H - H.T)))
    eigs = np.linalg.eigvalsh((H + H.T) / 2)
    eigs2 = np.linalg.eigvalsh(H[n1:, n1:])
    zero = 1e-10 * np.max(np.abs(eigs2))
    v = rng.normal(size=w.shape)
    hvp_error = float(np.max(np.abs(ag.hvp(loss, w, v) - H @ v)))
    print(f"H is {H.shape[0]}x{H.shape[1]}; max |H - H^T| = {asymmetry:.1e}; "
          f"max |hvp(v) - H v| = {hvp_error:.1e}")
    print(f"eigenvalues of H: {eigs.min():.4f} .. {eigs.max():.4f}, "
          f"{int(np.sum(eigs < -zero))} negative (not convex in W1)")
    print(f"eigenvalues of the W2 block: {eigs2.min():.2e} .. {eigs2.max():.4f}, "
          f"{int(np.sum(np.abs(eigs2) <= zero))} of {len(eigs2)} zero "
          f"(softmax ignores a shift shared by all {W2.shape[1]} classes: {hidden} directions)")

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5), width_ratios=(1.15, 1))
    limit = np.max(np.abs(H))  # white is 0: red positive, blue negative
    image = left.imshow(H, cmap="RdBu_r", vmin=-limit, vmax=limit)
    for edge in (n1 - 0.5,):
        left.axhline(edge, color="black", linewidth=0.8)
        left.axvline(edge, color="black", linewidth=0.8)
    ticks = [n1 / 2 - 0.5, n1 + W2.size / 2 - 0.5]
    left.set_xticks(ticks, ["W1 (2x8)", "W2 (8x3)"])
    left.set_yticks(ticks, ["W1", "W2"])
    left.grid(False)
    left.set_title("Hessian of the loss (ag.hessian)")
    fig.colorbar(image, ax=left, shrink=0.85)
    right.plot(np.arange(len(eigs)), eigs, "o", color=SERIES[0], markersize=4, label="all of H")
    right.plot(np.arange(len(eigs2)), eigs2, "s", color=SERIES[1], markersize=3,
               label="the W2 block")
    right.axhline(0, color="black", linewidth=0.6)
    right.set_yscale("symlog", linthresh=1e-3)
    right.set_xlabel("index (ascending)")
    right.set_title("Eigenvalues")
    right.legend(loc="upper left")
    fig.tight_layout()
    figures = [save(fig, folder / "network_hessian.png")]
    return {"H": H, "x": x, "labels": labels, "w": w.data.copy(), "n1": n1, "hidden": hidden,
            "eigenvalues": eigs, "w2_eigenvalues": eigs2, "asymmetry": asymmetry,
            "hvp_error": hvp_error, "figures": figures}


def main(parts=PARTS, out=None, seed: int = 0, tiny: bool = False) -> dict:
    """Run the chosen parts (all by default); return their numbers and figure paths."""
    folder = out_dir(NAME, out)
    rng = np.random.default_rng(seed)
    results = {}
    with session(NAME):
        for part in parts or PARTS:
            with Stopwatch(f"  {part}"):
                if part == "tanh":
                    results[part] = part_tanh(folder, tiny)
                elif part == "newton":
                    results[part] = part_newton(folder, tiny)
                else:
                    results[part] = part_hessian(folder, rng, tiny)
    return results


if __name__ == "__main__":
    p = parser(NAME, __doc__)
    p.add_argument("parts", nargs="*", metavar="PART",
                   help=f"experiments to run, from {', '.join(PARTS)} (default: all)")
    args = p.parse_args()
    unknown = [part for part in args.parts if part not in PARTS]
    if unknown:
        p.error(f"unknown part {unknown[0]!r}; choose from {', '.join(PARTS)}")
    main(**vars(args))
