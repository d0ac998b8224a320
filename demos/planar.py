"""The course's week 3 planar network: one tanh hidden layer, a sigmoid output, on the "flower".

The course's model, one example per column::

    Z1 = W1 X + b1,  A1 = tanh(Z1),  Z2 = W2 A1 + b2,  cost = sigmoid_with_loss(Z2, Y)

with ``W = randn * 0.01``, zero biases and plain gradient descent (learning rate 1.2); the
gradients come from ``backward()`` instead of the hand-derived ``dZ2 = A2 - Y`` formulas. The demo
trains one network per hidden size 1, 2, 3, 4, 5, 20, 50 (and logistic regression, which cannot
separate the petals) and draws every decision boundary in one grid, plus the cost curves and
the network's diagram (``ag.draw_network``).

Run: python demos/planar.py [--iterations 5000] [--hidden 1 2 3 4 5 20 50]
"""

from __future__ import annotations

import numpy as np
from demo_kit import COLORS, SERIES, heading, out_dir, parser, plt, save, session
from matplotlib.colors import ListedColormap

import autograd_lite as ag

NAME = "planar"
HIDDEN_SIZES = (1, 2, 3, 4, 5, 20, 50)
LEARNING_RATE = 1.2


def init_params(n_x: int, n_h: int, n_y: int, rng: np.random.Generator) -> dict:
    """The course's initialisation: small random weights (std 0.01), zero biases."""
    return {
        "W1": ag.Tensor(rng.standard_normal((n_h, n_x)) * 0.01, name="W1"),
        "b1": ag.Tensor(np.zeros((n_h, 1)), name="b1"),
        "W2": ag.Tensor(rng.standard_normal((n_y, n_h)) * 0.01, name="W2"),
        "b2": ag.Tensor(np.zeros((n_y, 1)), name="b2"),
    }


def forward(params: dict, X):
    """The logits Z2 of the two-layer network; a network without W1 is logistic regression."""
    if "W1" not in params:
        return params["W2"] @ X + params["b2"]
    A1 = ag.tanh(params["W1"] @ X + params["b1"])
    return params["W2"] @ A1 + params["b2"]


def train(params: dict, X, Y, iterations: int, learning_rate: float = LEARNING_RATE):
    """Full-batch gradient descent; returns the cost of every iteration."""
    costs = np.empty(iterations)
    for i in range(iterations):
        cost = ag.sigmoid_with_loss(forward(params, X), Y)
        for p in params.values():
            p.zero_grad()
        cost.backward()
        for p in params.values():
            p.data -= learning_rate * p.grad
        costs[i] = cost.item()
    return costs


def predict(params: dict, X) -> np.ndarray:
    """1 where sigmoid(Z2) > 0.5, i.e. where the logit is positive."""
    with ag.no_grad():
        return (forward(params, X).data > 0).astype(np.int64)


def run(X, Y, hidden_sizes, iterations: int, rng: np.random.Generator) -> list[dict]:
    """Train logistic regression and one network per hidden size; print the accuracies."""
    print(f"{'model':>22} {'first cost':>11} {'last cost':>10} {'accuracy':>9}")
    runs = []
    for n_h in (0, *hidden_sizes):
        if n_h == 0:
            params = {
                "W2": ag.Tensor(np.zeros((1, X.shape[0])), name="W"),
                "b2": ag.Tensor(np.zeros((1, 1)), name="b"),
            }
            label = "logistic regression"
        else:
            params = init_params(X.shape[0], n_h, 1, rng)
            label = f"hidden size {n_h}"
        costs = train(params, X, Y, iterations)
        acc = float(np.mean(predict(params, X) == Y))
        runs.append(
            {"hidden": n_h, "label": label, "params": params, "costs": costs, "accuracy": acc}
        )
        print(f"{label:>22} {costs[0]:>11.4f} {costs[-1]:>10.4f} {acc:>9.1%}")
    return runs


def plot_boundaries(runs: list[dict], X, Y, path):
    """One panel per model: the predicted class as background, the data points on top."""
    cols = 4
    rows = -(-len(runs) // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(3.3 * cols, 3.5 * rows), squeeze=False, layout="constrained"
    )
    pad = 0.5
    xs = np.linspace(X[0].min() - pad, X[0].max() + pad, 250)
    ys = np.linspace(X[1].min() - pad, X[1].max() + pad, 250)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.stack([gx.ravel(), gy.ravel()])
    background = ListedColormap(["#f4c7c3", "#c6dbef"])
    points = ListedColormap([COLORS["class0"], COLORS["class1"]])
    for ax, run in zip(axes.flat, runs):
        zz = predict(run["params"], grid).reshape(gx.shape)
        ax.contourf(gx, gy, zz, levels=[-0.5, 0.5, 1.5], cmap=background)
        ax.contour(gx, gy, zz, levels=[0.5], colors="#555555", linewidths=0.8)
        ax.scatter(X[0], X[1], c=Y.ravel(), cmap=points, s=9, edgecolors="white", linewidths=0.3)
        ax.set_title(f"{run['label']}\naccuracy {run['accuracy']:.1%}", fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        ax.set_aspect("equal")
    for ax in axes.flat[len(runs) :]:
        ax.axis("off")
    handles = [
        plt.Line2D([], [], marker="o", linestyle="", color=COLORS[f"class{k}"], label=f"class {k}")
        for k in (0, 1)
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=2)
    fig.suptitle(
        "Planar data: decision boundary for each hidden-layer size (tanh, sigmoid)", fontsize=13
    )
    return save(fig, path)


def plot_costs(runs: list[dict], path):
    """The cost of every model against the iteration, on a log scale."""
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    colors = [COLORS["baseline"], *SERIES]
    for color, run in zip(colors, runs):
        ax.plot(
            np.arange(1, len(run["costs"]) + 1),
            run["costs"],
            color=color,
            label=f"{run['label']} ({run['accuracy']:.0%})",
            linestyle="--" if run["hidden"] == 0 else "-",
        )
    ax.set_xscale("log")
    ax.set_xlabel("iteration (log scale)")
    ax.set_ylabel("cost J")
    ax.set_title(f"Planar data: cost during gradient descent (learning rate {LEARNING_RATE})")
    ax.legend(loc="lower left", ncols=2)
    return save(fig, path)


def main(
    out=None, seed: int = 0, tiny: bool = False, iterations: int | None = None, hidden=HIDDEN_SIZES
) -> dict:
    """Train every hidden size on the flower data; return accuracies, costs and figure paths."""
    folder = out_dir(NAME, out)
    rng = np.random.default_rng(seed)
    iterations = iterations or (150 if tiny else 5000)
    with session(NAME):
        X, Y = ag.data.planar(m=100 if tiny else 400, rng=rng)
        heading(f"Planar flower: X {X.shape}, Y {Y.shape}, {iterations} iterations each")
        runs = run(X, Y, tuple(hidden), iterations, rng)
        figures = [
            plot_boundaries(runs, X, Y, folder / "decision_boundaries.png"),
            plot_costs(runs, folder / "costs.png"),
        ]
        network = folder / "network.png"
        ag.draw_network(
            [2, 4, 1], network, title="The planar network: 2 inputs, 4 tanh units, 1 sigmoid output"
        )
        print(f"wrote {network}")
        figures.append(network)
    return {
        "accuracy": {run["hidden"]: run["accuracy"] for run in runs},
        "costs": {run["hidden"]: run["costs"] for run in runs},
        "figures": figures,
    }


if __name__ == "__main__":
    p = parser(NAME, __doc__)
    p.add_argument(
        "--iterations", type=int, default=None, help="gradient steps per model (default 5000)"
    )
    p.add_argument(
        "--hidden",
        type=int,
        nargs="+",
        default=list(HIDDEN_SIZES),
        help="hidden-layer sizes to compare",
    )
    main(**vars(p.parse_args()))
