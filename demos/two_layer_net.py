"""The book's two-layer network (chapters 4 and 5): check the gradients, then train it.

1. Gradient check, as the book's ``gradient_check.py``: on 3 training images, the mean absolute
   difference between ``network.numerical_gradient`` (central differences, h = 1e-4) and
   ``network.gradient`` (backprop through the graph) for each parameter; then ``ag.gradcheck``'s
   full report on the same function (max errors, the course's relative difference, the worst
   element). A scatter plot puts every numerical gradient against its backprop twin.
2. Training, as the book's ``train_neuralnet.py``: minibatches of 100 drawn at random, SGD with
   learning rate 0.1, train and test accuracy once per epoch, on the bundled 8x8 digits
   (``ag.data.load_digits``; 1,438 train / 359 test images, 64 pixels each).

Also drawn: the network's neuron diagram (``ag.draw_network``) and the graph of its loss with
values and gradients (``ag.render``).

Run: python demos/two_layer_net.py [--iterations 10000] [--hidden 50]
"""

from __future__ import annotations

import numpy as np
from demo_kit import COLORS, SERIES, heading, out_dir, parser, plt, render_graph, save, session

import autograd_lite as ag

NAME = "two_layer_net"
KEYS = ("W1", "b1", "W2", "b2")


def loss_function(x, t):
    """The network's loss written with the functional API, for ``ag.gradcheck`` and the picture."""

    def loss(W1, b1, W2, b2):
        with ag.name_scope("Affine1"):
            h = ag.affine(x, W1, b1)
        with ag.name_scope("Relu1"):
            h = ag.relu(h)
        with ag.name_scope("Affine2"):
            y = ag.affine(h, W2, b2)
        return ag.softmax_with_loss(y, t)

    return loss


def gradient_check(network, x, t) -> dict:
    """The book's table and ag.gradcheck's report; returns both gradients and the report."""
    numerical = network.numerical_gradient(x, t)
    backprop = network.gradient(x, t)
    print("the book's check: mean |numerical - backprop| per parameter (h = 1e-4)")
    book_diffs = {}
    for key in KEYS:
        book_diffs[key] = float(np.mean(np.abs(backprop[key] - numerical[key])))
        print(f"  {key}: {book_diffs[key]:.3e}")
    inputs = [ag.Tensor(network.params[key], name=key) for key in KEYS]
    report = ag.gradcheck(loss_function(x, t), inputs)
    print("\nag.gradcheck on the same loss (eps = 1e-6, every element):")
    print(report)
    return {"numerical": numerical, "backprop": backprop, "book": book_diffs, "report": report}


def plot_gradient_check(check: dict, path):
    """Every numerical gradient against its backprop value: points on the diagonal agree."""
    fig, (ax, ax_err) = plt.subplots(
        1, 2, figsize=(11, 4.6), gridspec_kw={"width_ratios": [1.1, 1]}
    )
    low = min(min(check["numerical"][k].min(), check["backprop"][k].min()) for k in KEYS)
    high = max(max(check["numerical"][k].max(), check["backprop"][k].max()) for k in KEYS)
    ax.plot([low, high], [low, high], color=COLORS["baseline"], linewidth=1, zorder=0)
    for color, key in zip(SERIES, KEYS):
        ax.scatter(
            check["numerical"][key].ravel(),
            check["backprop"][key].ravel(),
            s=8,
            color=color,
            label=f"{key} {check['numerical'][key].shape}",
            alpha=0.8,
        )
    for axis in ("x", "y"):  # symmetric log: small and large gradients both visible
        getattr(ax, f"set_{axis}scale")("symlog", linthresh=1e-4)
    ax.set_xlabel("numerical gradient (central differences, symlog)")
    ax.set_ylabel("backprop gradient (symlog)")
    ax.set_title("Every parameter element: backprop vs numerical")
    ax.legend(loc="upper left", markerscale=2)

    positions = np.arange(len(KEYS))
    book = [check["book"][k] for k in KEYS]
    ours = [row.max_abs_error for row in check["report"].inputs]
    ax_err.bar(positions - 0.2, book, 0.4, color=SERIES[1], label="mean |diff|, h = 1e-4 (book)")
    ax_err.bar(positions + 0.2, ours, 0.4, color=SERIES[0], label="max |diff|, ag.gradcheck")
    ax_err.axhline(1e-6, color=COLORS["test"], linestyle="--", linewidth=1)
    ax_err.text(len(KEYS) - 0.5, 1.3e-6, "1e-6", color=COLORS["test"], ha="right", fontsize=8)
    ax_err.set_yscale("log")
    ax_err.set_ylim(min(min(book), min(ours)) / 5, 1e-4)
    ax_err.set_xticks(positions, KEYS)
    ax_err.set_ylabel("difference (log scale)")
    ax_err.set_title("Gradient-check error per parameter")
    ax_err.legend(loc="upper left")
    ax_err.grid(axis="x", visible=False)
    fig.suptitle("Two-layer network, 3 training images: the gradient check", fontsize=12)
    fig.tight_layout()
    return save(fig, path)


def train(network, data, iterations: int, batch_size: int, lr: float, rng) -> dict:
    """The book's loop: random minibatch, gradient by backprop, SGD, accuracy every epoch."""
    x_train, t_train, x_test, t_test = data
    optimizer = ag.book.SGD(lr=lr)
    iter_per_epoch = max(len(x_train) // batch_size, 1)
    history = {"loss": [], "epoch_iteration": [], "train": [], "test": []}
    # the loss on the whole training set: defined before the first step too (no "nan" row)
    print(f"{'epoch':>5} {'iteration':>9} {'train loss':>10} {'train acc':>10} {'test acc':>9}")
    for i in range(iterations + 1):
        if i % iter_per_epoch == 0 or i == iterations:
            history["epoch_iteration"].append(i)
            history["train"].append(network.accuracy(x_train, t_train))
            history["test"].append(network.accuracy(x_test, t_test))
            epoch = len(history["train"]) - 1
            if epoch % 50 == 0 or i == iterations:
                loss = network.loss(x_train, t_train)
                print(
                    f"{epoch:>5} {i:>9} {loss:>10.4f} {history['train'][-1]:>10.1%} "
                    f"{history['test'][-1]:>9.1%}"
                )
        if i == iterations:
            break
        batch = rng.choice(len(x_train), batch_size)
        grads = network.gradient(x_train[batch], t_train[batch])
        optimizer.update(network.params, grads)
        history["loss"].append(network.loss(x_train[batch], t_train[batch]))
    return {key: np.array(value) for key, value in history.items()}


def plot_training(history: dict, iter_per_epoch: int, path):
    """Train/test accuracy per epoch (the book's figure 4-12) and the minibatch loss."""
    fig, (ax_acc, ax_loss) = plt.subplots(1, 2, figsize=(11, 4.2))
    epochs = history["epoch_iteration"] / iter_per_epoch
    ax_acc.plot(epochs, history["train"], color=COLORS["train"], label="train")
    ax_acc.plot(epochs, history["test"], color=COLORS["test"], linestyle="--", label="test")
    ax_acc.set_xlabel("epochs")
    ax_acc.set_ylabel("accuracy")
    ax_acc.set_ylim(0, 1.02)
    ax_acc.set_title(
        f"Accuracy (final: train {history['train'][-1]:.1%}, test {history['test'][-1]:.1%})"
    )
    ax_acc.legend(loc="lower right")
    ax_loss.plot(
        np.arange(1, len(history["loss"]) + 1),
        history["loss"],
        color=COLORS["baseline"],
        linewidth=0.8,
    )
    ax_loss.set_xlabel("iterations")
    ax_loss.set_ylabel("minibatch loss")
    ax_loss.set_yscale("log")
    ax_loss.set_title("Training loss")
    fig.suptitle(
        "The book's TwoLayerNet on the digits: SGD, learning rate 0.1, batch 100", fontsize=12
    )
    fig.tight_layout()
    return save(fig, path)


def draw_loss_graph(network, x, t, path):
    """The graph of the loss on the check batch, with values and gradients on every node."""
    inputs = [ag.Tensor(network.params[key], name=key) for key in KEYS]
    x = ag.Tensor(x, requires_grad=False, name="x")
    t = ag.Tensor(t, requires_grad=False, name="t")  # labels: class indices, no gradient
    loss = loss_function(x, t)(*inputs)
    loss.name = "loss"
    loss.backward(retain_graph=True)
    render_graph(  # top to bottom: a screen wide, not four
        loss,
        path,
        values=True,
        grads=True,
        rankdir="TB",
        title="TwoLayerNet loss on 3 images: values and gradients",
    )
    print(f"wrote {path}")
    return path


def main(
    out=None, seed: int = 0, tiny: bool = False, iterations: int | None = None, hidden: int = 50
) -> dict:
    """Gradient check, then training; returns the check, the history and the figure paths."""
    folder = out_dir(NAME, out)
    rng = np.random.default_rng(seed)
    iterations = iterations if iterations is not None else (30 if tiny else 10000)
    with session(NAME):
        (x_train, t_train), (x_test, t_test) = ag.data.load_digits(seed=seed)
        data = (x_train.astype(np.float64), t_train, x_test.astype(np.float64), t_test)
        network = ag.book.TwoLayerNet(64, hidden, 10, rng=rng)

        heading("Gradient check on 3 training images")
        check = gradient_check(network, data[0][:3], data[1][:3])
        figures = [
            plot_gradient_check(check, folder / "gradient_check.png"),
            draw_loss_graph(network, data[0][:3], data[1][:3], folder / "loss_graph.png"),
        ]

        heading(f"Training: {iterations} iterations")
        history = train(network, data, iterations, 100, 0.1, rng)
        figures.append(plot_training(history, max(len(x_train) // 100, 1), folder / "accuracy.png"))
        diagram = folder / "network.png"
        ag.draw_network(
            network.params,
            diagram,
            title=f"TwoLayerNet: 64 pixels, {hidden} ReLU units, 10 classes",
        )
        print(f"wrote {diagram}")
        figures.append(diagram)
    return {"check": check, "history": history, "figures": figures}


if __name__ == "__main__":
    p = parser(NAME, __doc__)
    p.add_argument(
        "--iterations", type=int, default=None, help="SGD steps (default 10000, as the book)"
    )
    p.add_argument("--hidden", type=int, default=50, help="hidden units (default 50)")
    main(**vars(p.parse_args()))
