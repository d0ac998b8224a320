"""Logistic regression as in the course's week 2: sigmoid + binary cross-entropy, gradient descent.

The course's model, one example per column: ``z = w^T X + b``, ``a = sigmoid(z)``,
``J = -(1/m) sum(y log a + (1 - y) log(1 - a))`` (``ag.sigmoid_with_loss``), ``w`` and ``b``
start at zero, and ``w -= lr * dw`` with ``dw`` from ``backward()`` instead of a hand-derived
formula. The learning-rate comparison (0.01 / 0.001 / 0.0001) is drawn in one figure.

Data that ships with a package, nothing downloaded: scikit-learn's breast-cancer set (569
tumours, 30 features, standardised with the training set's mean and deviation) or the digits
0-vs-1 (``--dataset digits01``). With ``--cat-dir DIR`` (the course's ``datasets/`` folder holding
``train_catvnoncat.h5`` and ``test_catvnoncat.h5``) it also runs on the cat pictures, flattened
with ``x.reshape(m, -1).T`` and scaled by 1/255 as the course does.

Run: python demos/logistic_regression.py [--cat-dir DIR] [--dataset breast_cancer|digits01]
"""

from __future__ import annotations

import numpy as np
from demo_kit import COLORS, SERIES, heading, out_dir, parser, plt, render_graph, save, session

import autograd_lite as ag

NAME = "logistic_regression"
LEARNING_RATES = (0.01, 0.001, 0.0001)
DATASETS = ("breast_cancer", "digits01")


def load_breast_cancer(rng: np.random.Generator, test_fraction: float = 0.25):
    """scikit-learn's breast-cancer data in the course's layout: X (30, m), Y (1, m).

    Label 1 = benign, 0 = malignant. Features are standardised with the training part's
    statistics only, so the test part stays unseen.
    """
    from sklearn.datasets import load_breast_cancer as sk_load

    bunch = sk_load()
    x, t = np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target, dtype=np.int64)
    order = rng.permutation(len(t))
    n_test = int(round(test_fraction * len(t)))
    test, train = order[:n_test], order[n_test:]
    mean, std = x[train].mean(axis=0), x[train].std(axis=0)
    scaled = (x - mean) / std
    return (
        scaled[train].T,
        t[train].reshape(1, -1),
        scaled[test].T,
        t[test].reshape(1, -1),
        "breast cancer (scikit-learn), 30 standardised features",
    )


def load_digits01(rng: np.random.Generator):
    """The bundled 8x8 digits, only the 0s and 1s, in the course's layout: X (64, m), Y (1, m)."""
    (x_train, t_train), (x_test, t_test) = ag.data.load_digits(seed=rng)
    keep_train, keep_test = t_train <= 1, t_test <= 1
    return (
        x_train[keep_train].astype(np.float64).T,
        t_train[keep_train].reshape(1, -1),
        x_test[keep_test].astype(np.float64).T,
        t_test[keep_test].reshape(1, -1),
        "digits 0 vs 1 (scikit-learn), 64 pixels in [0, 1]",
    )


def load_cats(cat_dir):
    """The course's cat pictures: flatten each 64x64x3 image into a column and divide by 255."""
    train_x_orig, train_y, test_x_orig, test_y, _classes = ag.data.load_catvnoncat(cat_dir)
    train_x = train_x_orig.reshape(train_x_orig.shape[0], -1).T / 255.0
    test_x = test_x_orig.reshape(test_x_orig.shape[0], -1).T / 255.0
    return (
        train_x,
        train_y,
        test_x,
        test_y,
        f"cat vs non-cat (course), {train_x.shape[0]} pixel values in [0, 1]",
    )


def optimize(X, Y, learning_rate: float, iterations: int):
    """Gradient descent on the course's cost; returns ``(w, b, costs)`` with one cost per step."""
    w = ag.Tensor(np.zeros((X.shape[0], 1)), name="w")
    b = ag.Tensor(0.0, name="b")
    costs = []
    for _ in range(iterations):
        cost = ag.sigmoid_with_loss(w.T @ X + b, Y)
        w.zero_grad()
        b.zero_grad()
        cost.backward()
        w.data -= learning_rate * w.grad
        b.data -= learning_rate * b.grad
        costs.append(cost.item())
    return w, b, np.array(costs)


def accuracy(w, b, X, Y) -> float:
    """Share of examples where ``sigmoid(w^T X + b) > 0.5`` agrees with the label."""
    with ag.no_grad():
        a = ag.sigmoid(w.T @ X + b).data
    return float(np.mean((a > 0.5) == (Y == 1)))


def compare_learning_rates(data, iterations: int, learning_rates=LEARNING_RATES) -> dict:
    """Train once per learning rate; print and return costs and accuracies."""
    X_train, Y_train, X_test, Y_test, description = data
    print(f"data: {description}")
    print(f"train X {X_train.shape}, Y {Y_train.shape}; test X {X_test.shape}, Y {Y_test.shape}")
    print(
        f"{'learning rate':>14} {'first cost':>11} {'last cost':>10} {'train acc':>10} "
        f"{'test acc':>9}"
    )
    runs = {}
    for lr in learning_rates:
        w, b, costs = optimize(X_train, Y_train, lr, iterations)
        train_acc, test_acc = accuracy(w, b, X_train, Y_train), accuracy(w, b, X_test, Y_test)
        runs[lr] = {"costs": costs, "train_acc": train_acc, "test_acc": test_acc}
        print(f"{lr:>14g} {costs[0]:>11.4f} {costs[-1]:>10.4f} {train_acc:>10.1%} {test_acc:>9.1%}")
    return {"description": description, "runs": runs, "iterations": iterations}


def plot_comparison(result: dict, title: str, path):
    """Cost curves of every learning rate (left) and their train/test accuracy (right)."""
    runs = result["runs"]
    fig, (ax_cost, ax_acc) = plt.subplots(
        1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1.6, 1]}
    )
    for color, (lr, run) in zip(SERIES, runs.items()):
        ax_cost.plot(
            np.arange(1, len(run["costs"]) + 1),
            run["costs"],
            color=color,
            label=f"learning rate = {lr:g}",
        )
    ax_cost.set_xlabel("iterations")
    ax_cost.set_ylabel("cost J")
    ax_cost.set_title("Cost during gradient descent")
    ax_cost.legend()
    ax_cost.set_ylim(bottom=0)

    positions = np.arange(len(runs))
    width = 0.38
    train = [run["train_acc"] for run in runs.values()]
    test = [run["test_acc"] for run in runs.values()]
    for offset, values, key in ((-width / 2, train, "train"), (width / 2, test, "test")):
        bars = ax_acc.bar(positions + offset, values, width, color=COLORS[key], label=key)
        ax_acc.bar_label(bars, labels=[f"{v:.0%}" for v in values], fontsize=8, padding=2)
    ax_acc.set_xticks(positions, [f"{lr:g}" for lr in runs])
    ax_acc.set_xlabel("learning rate")
    ax_acc.set_ylabel("accuracy")
    ax_acc.set_ylim(0, 1.12)
    ax_acc.set_title("Accuracy after training")
    ax_acc.legend(loc="upper right", ncols=2)
    ax_acc.grid(axis="x", visible=False)
    fig.suptitle(f"{title} — {result['iterations']} iterations", fontsize=12)
    return save(fig, path)


def draw_model_graph(data, path):
    """The graph of the cost on 4 examples at w = 0, b = 0, with values and gradients.

    At the start every a is 0.5, so the gradient on z shows the course's dZ = (A - Y) / m.
    """
    X_all, Y_all = data[0], data[1].ravel()
    pick = np.concatenate([np.flatnonzero(Y_all == 0)[:2], np.flatnonzero(Y_all == 1)[:2]])
    X = ag.Tensor(X_all[:, pick], requires_grad=False, name="X")
    Y = ag.Tensor(Y_all[pick].reshape(1, -1), requires_grad=False, name="Y")
    w = ag.Tensor(np.zeros((X.shape[0], 1)), name="w")
    b = ag.Tensor(0.0, name="b")
    z = w.T @ X + b
    z.name = "z"
    cost = ag.sigmoid_with_loss(z, Y)
    cost.name = "J"
    cost.backward(retain_graph=True)
    render_graph(  # top to bottom: a screen wide, not four
        cost,
        path,
        values=True,
        grads=True,
        rankdir="TB",
        title="Logistic regression cost on 4 examples at w = 0, b = 0",
    )
    print(f"wrote {path}")
    return path


def main(
    out=None,
    seed: int = 0,
    tiny: bool = False,
    dataset: str = "breast_cancer",
    cat_dir=None,
    iterations: int | None = None,
) -> dict:
    """Run the comparison on a bundled dataset (and the cats if ``cat_dir``); return the numbers."""
    folder = out_dir(NAME, out)
    rng = np.random.default_rng(seed)
    iterations = iterations or (60 if tiny else 1500)
    results = {"figures": []}
    with session(NAME):
        heading(f"Logistic regression on {dataset}")
        data = load_breast_cancer(rng) if dataset == "breast_cancer" else load_digits01(rng)
        results[dataset] = compare_learning_rates(data, iterations)
        results["figures"].append(
            plot_comparison(
                results[dataset],
                f"Logistic regression on {results[dataset]['description']}",
                folder / f"learning_rates_{dataset}.png",
            )
        )
        results["figures"].append(draw_model_graph(data, folder / "cost_graph.png"))
        if cat_dir is not None:
            heading("Logistic regression on the course's cat pictures")
            results["cat"] = compare_learning_rates(load_cats(cat_dir), iterations)
            results["figures"].append(
                plot_comparison(
                    results["cat"],
                    "Logistic regression on cat vs non-cat",
                    folder / "learning_rates_cat.png",
                )
            )
    return results


if __name__ == "__main__":
    p = parser(NAME, __doc__)
    p.add_argument("--dataset", choices=DATASETS, default="breast_cancer")
    p.add_argument("--cat-dir", default=None, help="folder with the course's catvnoncat .h5 files")
    p.add_argument("--iterations", type=int, default=None, help="gradient steps (default 1500)")
    main(**vars(p.parse_args()))
