"""The book's chapter 6 experiments with the book's own API (``ag.book``) on the bundled digits.

The networks are ``ag.book.MultiLayerNet`` / ``MultiLayerNetExtend`` and the optimizers the
book's ``SGD``, ``Momentum``, ``AdaGrad``, ``RMSprop`` and ``Adam`` (``update(params, grads)``),
so each loop reads like the book's scripts; ``network.gradient`` backpropagates through the
autograd_lite graph instead of the book's layer objects.

- ``optimizers``: SGD, Momentum, AdaGrad, RMSprop and Adam (the book's default learning rates)
  walking down f(x, y) = x^2 / 20 + y^2 from (-7, 2), then training the same 4x100 ReLU network.
- ``init``: the book's activation histograms of a 5-layer network fed random data (sigmoid with
  std 1, std 0.01 and Xavier; ReLU with std 0.01, Xavier and He), then training loss per init.
- ``batchnorm``: the book's figure 6-19 setup: a 5x100 network with and without batch
  normalisation for 16 initial weight scales from 1 to 0.0001, 1,000 training images,
  minibatches of 100 shared by both, SGD lr 0.01, 20 epochs.
- ``regularization``: overfitting on 300 training images, and two remedies: weight decay
  (the book's L2 penalty 0.5 * lambda * sum W^2 on the loss) and dropout. The digits are easy,
  so the test accuracy moves little; watch the gap between the curves, and how the book's
  lambda = 0.1 is too strong here.

Run: python demos/chapter6.py [optimizers] [init] [batchnorm] [regularization]   (all by default)
"""

from __future__ import annotations

import numpy as np
from demo_kit import COLORS, SERIES, Stopwatch, heading, out_dir, parser, plt, save, session

import autograd_lite as ag

NAME = "chapter6"
PARTS = ("optimizers", "init", "batchnorm", "regularization")
#: the book's default learning rates (common/optimizer.py)
OPTIMIZERS = {"SGD": 0.01, "Momentum": 0.01, "AdaGrad": 0.01, "RMSprop": 0.01, "Adam": 0.001}
#: the learning rates of the book's f(x, y) = x^2/20 + y^2 figure
PATH_LRS = {"SGD": 0.95, "Momentum": 0.1, "AdaGrad": 1.5, "RMSprop": 0.1, "Adam": 0.3}
#: the book uses 0.01 over 200 epochs on MNIST; 0.02 over 150 epochs gives smooth curves here
REGULARIZATION_LR = 0.02
#: the options only MultiLayerNetExtend takes
EXTEND_OPTIONS = {"use_batchnorm", "use_dropout", "dropout_ration"}
#: the y-limit of the book's ReLU histograms, 7,000 of its 1000 x 100 activations, as a fraction
RELU_HIST_YLIM = 0.07
#: the book's batch_norm_test.py (figure 6-19): 1,000 training images, minibatches of 100, SGD
#: with lr 0.01, 20 epochs, 16 weight scales from 1 to 0.0001
BATCHNORM = {"train_size": 1000, "batch_size": 100, "lr": 0.01, "epochs": 20, "scales": 16}
#: minibatch steps of the loss-curve experiments (the book runs 2,000 on MNIST)
ITERATIONS = 1000


def load_data(seed: int):
    (x_train, t_train), (x_test, t_test) = ag.data.load_digits(seed=seed)
    return x_train.astype(np.float64), t_train, x_test.astype(np.float64), t_test


def train_iterations(network, optimizer, data, iterations: int, batch_size: int, rng):
    """The book's loop: a random minibatch (with replacement), gradient, update, batch loss."""
    x, t = data[0], data[1]
    losses = np.empty(iterations)
    for i in range(iterations):
        batch = rng.choice(len(x), batch_size)
        grads = network.gradient(x[batch], t[batch])
        optimizer.update(network.params, grads)
        losses[i] = network.loss(x[batch], t[batch])
    return losses


def smooth(values: np.ndarray, window: int = 20) -> np.ndarray:
    """Moving average (for noisy minibatch losses); shorter windows at the start."""
    window = max(1, min(window, len(values)))
    c = np.cumsum(np.insert(values, 0, 0.0))
    head = c[1:window] / np.arange(1, window)
    return np.concatenate([head, (c[window:] - c[:-window]) / window])


def style_loss_axes(ax, title: str, ymax: float):
    ax.set_xlabel("iterations")
    ax.set_ylabel("training loss (moving average)")
    ax.set_ylim(0, ymax)
    ax.set_title(title)
    ax.legend()


# ----- optimizers ------------------------------------------------------------------------------
def optimizer_paths(steps: int) -> dict:
    """Each book optimizer's path on f(x, y) = x^2/20 + y^2 (the book's figure 6-8 setup);
    the gradient comes from backward() instead of the hand-written df/dx, df/dy."""
    paths = {}
    for name, lr in PATH_LRS.items():
        params = {"x": np.array(-7.0), "y": np.array(2.0)}
        optimizer = getattr(ag.book, name)(lr=lr)
        path = [(float(params["x"]), float(params["y"]))]
        for _ in range(steps):
            x, y = ag.Tensor(params["x"], name="x"), ag.Tensor(params["y"], name="y")
            (x * x / 20.0 + y * y).backward()
            optimizer.update(params, {"x": x.grad, "y": y.grad})
            path.append((float(params["x"]), float(params["y"])))
        paths[name] = np.array(path)
    return paths


def multi_layer_net(hidden: int, rng, **options):
    """The book's MultiLayerNet(Extend) for the 64-pixel digits, ``hidden`` layers of 100."""
    book_class = (
        ag.book.MultiLayerNetExtend if EXTEND_OPTIONS & set(options) else ag.book.MultiLayerNet
    )
    return book_class(
        input_size=64, hidden_size_list=[100] * hidden, output_size=10, rng=rng, **options
    )


def part_optimizers(data, folder, rng, tiny: bool) -> dict:
    heading("Optimizers: paths on f(x, y) = x^2/20 + y^2, then the digits network")
    paths = optimizer_paths(30)
    iterations = 40 if tiny else ITERATIONS
    losses = {}
    for name, lr in OPTIMIZERS.items():
        network = multi_layer_net(4, rng)
        losses[name] = train_iterations(
            network, getattr(ag.book, name)(lr=lr), data, iterations, 128, rng
        )
    # Two experiments, each with its own learning rates: the path on f uses the book's figure
    # 6-8 rates, the network the book's defaults. Each lr stands beside its own result.
    print(
        f"{'optimizer':>10} {'path lr':>8} {'end of path (x, y)':>20}   {'network lr':>10} "
        f"{'loss, first 20':>15} {'loss, last 20':>14}"
    )
    for name in OPTIMIZERS:
        end = paths[name][-1]
        print(
            f"{name:>10} {PATH_LRS[name]:>8g} {f'({end[0]:.3f}, {end[1]:.3f})':>20}   "
            f"{OPTIMIZERS[name]:>10g} {losses[name][:20].mean():>15.4f} "
            f"{losses[name][-20:].mean():>14.4f}"
        )

    fig, axes = plt.subplots(1, len(paths), figsize=(3.3 * len(paths), 3.1), sharey=True)
    gx, gy = np.meshgrid(np.linspace(-10, 10, 200), np.linspace(-5, 5, 200))
    for ax, color, (name, path) in zip(axes, SERIES, paths.items()):
        ax.contour(gx, gy, gx**2 / 20 + gy**2, levels=12, colors="#bbbbbb", linewidths=0.6)
        ax.plot(path[:, 0], path[:, 1], "o-", color=color, markersize=3, linewidth=1.2)
        ax.plot(0, 0, "+", color="black", markersize=10)
        ax.set_title(f"{name} (lr {PATH_LRS[name]:g})")
        ax.set_xlim(-10, 10)
        ax.set_ylim(-5, 5)
        ax.set_xlabel("x")
        ax.grid(False)
    axes[0].set_ylabel("y")
    fig.suptitle("30 steps on f(x, y) = x²/20 + y² from (-7, 2); minimum at (0, 0)", fontsize=12)
    fig.tight_layout()
    figures = [save(fig, folder / "optimizer_paths.png")]

    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for color, (name, loss) in zip(SERIES, losses.items()):
        ax.plot(
            np.arange(1, len(loss) + 1),
            smooth(loss),
            color=color,
            label=f"{name} (lr {OPTIMIZERS[name]:g})",
        )
    # a log scale shows the first steps (~2.3), RMSprop's spikes and the small final losses,
    # with nothing clipped
    top = max(float(smooth(loss).max()) for loss in losses.values())
    style_loss_axes(ax, "Optimizers on digits: 4 hidden layers of 100 ReLU units, batch 128",
                    1.15 * top)
    ax.set_yscale("log")
    bottom = min(float(smooth(loss).min()) for loss in losses.values())
    ax.set_ylim(0.8 * bottom, 1.15 * top)
    ylim = ax.get_ylim()
    figures.append(save(fig, folder / "optimizer_losses.png"))
    return {"paths": paths, "losses": losses, "figures": figures, "loss_ylim": ylim}


# ----- weight initialisation -------------------------------------------------------------------
def activations(x, activation: str, init, rng, layers: int = 5, nodes: int = 100) -> list:
    """The activations of each layer of a deep network fed ``x`` (no training)."""
    outs, a = [], x
    with ag.no_grad():
        for _ in range(layers):
            W = ag.nn.init.normal_weight(a.shape[1], nodes, init, rng)  # std, "xavier", "he"
            z = ag.matmul(a, W)
            a = (ag.sigmoid(z) if activation == "sigmoid" else ag.relu(z)).data
            outs.append(a)
    return outs


def part_init(data, folder, rng, tiny: bool) -> dict:
    heading("Weight initialisation: activation histograms and training loss")
    x = rng.standard_normal((200 if tiny else 1000, 100))
    cases = [
        ("sigmoid", 1.0, "std 1"),
        ("sigmoid", 0.01, "std 0.01"),
        ("sigmoid", "xavier", "Xavier"),
        ("ReLU", 0.01, "std 0.01"),
        ("ReLU", "xavier", "Xavier"),
        ("ReLU", "he", "He"),
    ]
    fig, axes = plt.subplots(len(cases), 5, figsize=(13, 2.0 * len(cases)), sharex=True)
    stats, hist_ylim = {}, {}
    print(f"{'network':>18}  std of each layer's activations (layers 1..5)")
    for row, (act, init, label) in enumerate(cases):
        outs = activations(x, act, init, rng)
        key = f"{act}, {label}"
        stats[key] = [float(a.std()) for a in outs]
        print(f"{key:>18}  " + "  ".join(f"{s:8.4f}" for s in stats[key]))
        for col, a in enumerate(outs):
            ax = axes[row, col]
            ax.hist(
                a.ravel(),
                bins=30,
                range=(0, 1),
                color=SERIES[row % 3 if act == "sigmoid" else 3 + row % 3],
            )
            ax.grid(False)
            if col:
                ax.tick_params(labelleft=False)
            if act == "ReLU":
                ax.text(
                    0.97,
                    0.9,
                    f"{np.mean(a == 0):.0%} zeros",
                    transform=ax.transAxes,
                    ha="right",
                    fontsize=8,
                )
                # the book's y-limit (7,000 of its 1000 x 100 activations): the zeros fill the
                # first bar far beyond it, and the rest of the distribution can be seen
                ax.set_ylim(0, RELU_HIST_YLIM * a.size)
                hist_ylim[key] = RELU_HIST_YLIM * a.size
            if row == 0:
                ax.set_title(f"{col + 1}-layer")
            if col == 0:
                ax.set_ylabel("count", fontsize=8)
                ax.tick_params(axis="y", labelsize=7)
                ax.annotate(key, xy=(-0.42, 0.5), xycoords="axes fraction", ha="right",
                            va="center", fontsize=9)
        axes[-1, 2].set_xlabel("activation value")
    fig.suptitle("Activations of a 5-layer network (100 units each) on random input", fontsize=13)
    fig.tight_layout()
    figures = [save(fig, folder / "init_histograms.png")]

    iterations = 40 if tiny else ITERATIONS
    losses = {}
    for label, init in (("std 0.01", 0.01), ("Xavier", "sigmoid"), ("He", "relu")):
        network = multi_layer_net(4, rng, weight_init_std=init)
        losses[label] = train_iterations(network, ag.book.SGD(lr=0.01), data, iterations, 128, rng)
        print(
            f"ReLU network, init {label:>8}: loss {losses[label][:20].mean():.4f} -> "
            f"{losses[label][-20:].mean():.4f}"
        )
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for color, (label, loss) in zip(SERIES, losses.items()):
        ax.plot(np.arange(1, len(loss) + 1), smooth(loss), color=color, label=label)
    style_loss_axes(ax, "Initial weights: 4x100 ReLU network, SGD lr 0.01", 2.5)
    figures.append(save(fig, folder / "init_losses.png"))
    return {"std": stats, "losses": losses, "figures": figures, "hist_ylim": hist_ylim}


# ----- batch normalisation ---------------------------------------------------------------------
def batchnorm_pair(scale: float, x, t, epochs: int, rng) -> dict:
    """The book's batch_norm_test.py for one weight scale: a 5x100 network with and one without
    batch normalisation, trained on the same minibatches by one SGD; the training accuracy is
    recorded the book's way, after the update of every iteration i with i % iter_per_epoch == 0,
    until ``epochs`` values are taken."""
    networks = {bn: multi_layer_net(5, rng, weight_init_std=scale, use_batchnorm=bn)
                for bn in (True, False)}
    optimizer = ag.book.SGD(lr=BATCHNORM["lr"])
    batch_size = BATCHNORM["batch_size"]
    iter_per_epoch = max(len(x) / batch_size, 1)
    curves = {True: [], False: []}
    i = 0
    while len(curves[True]) < epochs:
        batch = rng.choice(len(x), batch_size)
        for network in networks.values():
            optimizer.update(network.params, network.gradient(x[batch], t[batch]))
        if i % iter_per_epoch == 0:
            for bn, network in networks.items():
                curves[bn].append(network.accuracy(x, t))
        i += 1
    return {bn: np.array(curve) for bn, curve in curves.items()}


def part_batchnorm(data, folder, rng, tiny: bool) -> dict:
    heading("Batch normalisation against the initial weight scale (the book's figure 6-19)")
    n = BATCHNORM["train_size"]
    x, t = data[0][:n], data[1][:n]
    scales = np.logspace(0, -4, 4 if tiny else BATCHNORM["scales"])
    epochs = 2 if tiny else BATCHNORM["epochs"]
    curves = {}
    print(f"{len(x):,} training images, batch {BATCHNORM['batch_size']}, SGD lr "
          f"{BATCHNORM['lr']:g}, {epochs} epochs, as the book")
    print(f"{'weight std':>11} {'final train acc, plain':>23} {'with BatchNorm':>15}")
    for scale in scales:
        # without BatchNorm, std 1 makes the logits overflow: that run diverges (NaN)
        with np.errstate(over="ignore", invalid="ignore"):
            runs = batchnorm_pair(float(scale), x, t, epochs, rng)
        curves[float(scale)] = runs
        print(f"{scale:>11.5f} {runs[False][-1]:>23.1%} {runs[True][-1]:>15.1%}")

    cols = 4
    rows = -(-len(scales) // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(3.2 * cols, 2.5 * rows), sharex=True, sharey=True, squeeze=False
    )
    for ax, (scale, runs) in zip(axes.flat, curves.items()):
        ax.plot(runs[True], color=COLORS["train"], label="with BatchNorm")
        ax.plot(runs[False], color=COLORS["baseline"], linestyle="--", label="without")
        ax.set_title(f"weight std {scale:.2g}", fontsize=10)
        ax.set_ylim(0, 1.02)
    for ax in axes[-1]:
        ax.set_xlabel("epochs")
    for ax in axes[:, 0]:
        ax.set_ylabel("train accuracy")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncols=2, bbox_to_anchor=(0.5, 0.0))
    fig.suptitle(
        f"Batch normalisation: 5x100 ReLU network, SGD lr {BATCHNORM['lr']:g}, "
        f"{len(x):,} training images, for each initial scale", fontsize=13
    )
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return {"curves": curves, "figures": [save(fig, folder / "batchnorm.png")],
            "setup": {**BATCHNORM, "train_size": len(x), "epochs": epochs,
                      "scales": len(scales)}}


# ----- regularisation --------------------------------------------------------------------------
def part_regularization(data, folder, rng, tiny: bool) -> dict:
    heading("Overfitting on 300 training images; weight decay and dropout")
    small = (data[0][:300], data[1][:300], data[2], data[3])
    epochs = 10 if tiny else 150
    setups = {  # name -> the network's options
        "no regularisation": {},
        "weight decay λ = 0.01": {"weight_decay_lambda": 0.01},
        "weight decay λ = 0.1 (book)": {"weight_decay_lambda": 0.1},
        "dropout 0.1": {"use_dropout": True, "dropout_ration": 0.1},
    }
    results = {}
    print(f"{'setup':>28} {'train acc':>10} {'test acc':>9} {'gap':>6}")
    for name, options in setups.items():
        network = multi_layer_net(6, rng, **options)
        trainer = ag.book.Trainer(
            network,
            *small,
            epochs=epochs,
            mini_batch_size=100,
            optimizer="SGD",
            optimizer_param={"lr": REGULARIZATION_LR},
            verbose=False,
            rng=rng,
        )
        trainer.train()  # records accuracy at the start of each epoch; add the final one
        results[name] = {
            "train": np.array([*trainer.train_acc_list, network.accuracy(*small[:2])]),
            "test": np.array([*trainer.test_acc_list, network.accuracy(*small[2:])]),
        }
        tr, te = results[name]["train"][-1], results[name]["test"][-1]
        print(f"{name:>28} {tr:>10.1%} {te:>9.1%} {tr - te:>6.1%}")
    fig, axes = plt.subplots(1, len(setups), figsize=(3.4 * len(setups), 3.6), sharey=True)
    for ax, (name, curves) in zip(axes, results.items()):
        ax.plot(curves["train"], color=COLORS["train"], label="train")
        ax.plot(curves["test"], color=COLORS["test"], linestyle="--", label="test")
        gap = curves["train"][-1] - curves["test"][-1]
        ax.set_title(f"{name}\nfinal gap {gap:.1%}", fontsize=10)
        ax.set_xlabel("epochs")
        ax.set_ylim(0, 1.02)
        ax.legend(loc="lower right")
    axes[0].set_ylabel("accuracy")
    fig.suptitle(
        f"Overfitting: 6x100 ReLU network on 300 training digits "
        f"(SGD lr {REGULARIZATION_LR:g}, test on {len(data[3])})",
        fontsize=12,
    )
    fig.tight_layout()
    return {"curves": results, "figures": [save(fig, folder / "regularization.png")]}


def main(parts=PARTS, out=None, seed: int = 0, tiny: bool = False) -> dict:
    """Run the chosen parts (all by default); return their numbers and figure paths."""
    folder = out_dir(NAME, out)
    rng = np.random.default_rng(seed)
    data = load_data(seed)
    run = {
        "optimizers": part_optimizers,
        "init": part_init,
        "batchnorm": part_batchnorm,
        "regularization": part_regularization,
    }
    results = {}
    with session(NAME):
        for part in parts or PARTS:
            with Stopwatch(f"  {part}"):
                results[part] = run[part](data, folder, rng, tiny)
    return results


if __name__ == "__main__":
    p = parser(NAME, __doc__)
    p.add_argument(
        "parts",
        nargs="*",
        metavar="PART",
        help=f"experiments to run, from {', '.join(PARTS)} (default: all)",
    )
    args = p.parse_args()
    unknown = [part for part in args.parts if part not in PARTS]
    if unknown:
        p.error(f"unknown part {unknown[0]!r}; choose from {', '.join(PARTS)}")
    main(**vars(args))
