"""``autograd-lite train``: train a network, then write what a learner wants to look at.

The run: load the data, build an ``nn.MLP``, train it with ``ag.fit`` (a progress bar on a
terminal and one table row per epoch), then write to ``--out``:

- ``learning_curves.png``: loss and train/test accuracy per epoch (``ag.plot_history``);
- ``graph.png``: the computational graph of the loss of one small batch after ``backward()``,
  with values and gradients on it;
- ``gradcheck.txt``: each parameter's backprop gradient against the numerical one, as in the
  book's chapter 5 (``Affine1.W:2.6e-13``), then the full ``ag.gradcheck`` table;
- ``weights.npz``: the trained weights (``model.save``; load with ``model.load``);
- ``input_scaling.npz``: the mean and scale that standardised the inputs.

The pictures and the check are made in :mod:`.artefacts`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

import numpy as np

from ..errors import DatasetError, InvalidArgumentError, RenderError
from ..extras import require
from .artefacts import (
    CHECK_BATCH,
    GRAPH_BATCH,
    book_metric,
    draw_graph,
    gradient_check,
    plot_curves,
    small_batch,
    write_text,
)

DATASETS = ("digits", "mnist", "spiral", "planar")
MODELS = ("two-layer", "mlp")
ACTIVATIONS = ("relu", "sigmoid", "tanh", "leaky_relu")
OPTIMIZERS = ("sgd", "momentum", "adagrad", "rmsprop", "adam")
#: learning rates used when --lr is not given (measured on the digits, see docs/cli.md)
DEFAULT_LR = {"sgd": 0.05, "momentum": 0.01, "adagrad": 0.01, "rmsprop": 0.001, "adam": 0.001}
#: the most weights (and values of one layer's batch) ``train`` accepts: ~160 MB of float64
MAX_WEIGHTS = 20_000_000
DEFAULTS = {"hidden": [256], "epochs": 30, "batch_size": 32, "optimizer": "adam"}
SCALE_FLOOR = 0.1        # added to each feature's std, so near-constant pixels are not blown up
FILES = {
    "curves": "learning_curves.png",
    "graph": "graph.png",
    "gradcheck": "gradcheck.txt",
    "weights": "weights.npz",
    "scaling": "input_scaling.npz",
}

EPILOG = """\
datasets:
  digits        8x8 handwritten digits shipped with scikit-learn (1,438 train / 359 test)
  mnist PATH    MNIST from a folder holding the four IDX files (.gz or not) or mnist.npz;
                nothing is downloaded
  spiral        3 interleaved spiral arms (2-D points), 80/20 split
  planar        the course's 2-class "flower" (2-D points), 80/20 split

learning rates when --lr is not given:
  sgd 0.1, momentum 0.05, adagrad 0.05, rmsprop 0.001, adam 0.005

examples:
  autograd-lite train                                   (two-layer net on digits, ~97% test)
  autograd-lite train --optimizer sgd --epochs 40
  autograd-lite train --model mlp --hidden 100 100 100 --batchnorm --dropout 0.2
  autograd-lite train --dataset mnist ~/mnist --epochs 5 --out out/mnist
  autograd-lite train --dataset spiral --hidden 50 --epochs 300 --batch-size 30
"""


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    from .main import _seed
    parser.description = (
        "Train a network with a progress bar and a per-epoch table, then write the learning "
        "curves, the graph of one batch's loss with its gradients, the per-parameter gradient "
        "check and the weights to --out."
    )
    parser.epilog = EPILOG
    parser.add_argument("--dataset", nargs="+", default=["digits"], metavar="NAME",
                        help="digits (default), mnist PATH, spiral or planar")
    parser.add_argument("--model", choices=MODELS, default="two-layer",
                        help="two-layer: one hidden layer, as the book's TwoLayerNet (default); "
                             "mlp: one hidden layer per --hidden size")
    parser.add_argument("--hidden", nargs="+", type=_positive_int, default=DEFAULTS["hidden"],
                        metavar="N", help="hidden layer size(s) (default 100)")
    parser.add_argument("--activation", choices=ACTIVATIONS, default="relu",
                        help="hidden activation (default relu; He init for relu, Xavier for "
                             "sigmoid/tanh)")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default=DEFAULTS["optimizer"],
                        help="update rule (default adam)")
    parser.add_argument("--lr", type=_positive_float, default=None,
                        help="learning rate (default: per optimizer, below)")
    parser.add_argument("--weight-decay", type=_nonnegative_float, default=0.0, metavar="L",
                        help="L2 weight decay (default 0)")
    parser.add_argument("--epochs", type=_positive_int, default=DEFAULTS["epochs"],
                        help="passes over the training data (default 20)")
    parser.add_argument("--batch-size", type=_positive_int, default=DEFAULTS["batch_size"],
                        metavar="N", help="minibatch size (default 100)")
    parser.add_argument("--batchnorm", action="store_true",
                        help="batch normalisation after each hidden Affine")
    parser.add_argument("--dropout", type=_ratio, default=0.0, metavar="RATIO",
                        help="dropout ratio after each hidden activation (default 0: none)")
    parser.add_argument("--limit", type=_positive_int, default=None, metavar="N",
                        help="train on the first N training examples only (quick tries)")
    parser.add_argument("--seed", type=_seed, default=0,
                        help="seed of the weights, the shuffling and the split (default 0)")
    parser.add_argument("--out", default="out", metavar="DIR",
                        help="folder for the pictures, the check and the weights (default out/)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


# ----- argument types ----------------------------------------------------------------------
def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def _nonnegative_float(text: str) -> float:
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def _ratio(text: str) -> float:
    value = _number(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a ratio in [0, 1), got {text!r}")
    return value


# ----- data ------------------------------------------------------------------------------
def load_dataset(spec, seed: int):
    """``(name, (x_train, t_train), (x_test, t_test))`` for the --dataset values."""
    from .. import data

    name, *rest = spec
    name = name.lower()
    if name not in DATASETS:
        raise DatasetError(
            f"--dataset: unknown dataset {spec[0]!r}; choose digits, mnist PATH, spiral or planar"
        )
    if name == "mnist":
        if len(rest) != 1:
            raise DatasetError(
                "--dataset mnist needs the folder holding the MNIST files: --dataset mnist PATH "
                "(nothing is downloaded)"
            )
        if not Path(rest[0]).expanduser().exists():
            raise DatasetError(f"--dataset mnist: the path {rest[0]!r} does not exist")
        train, test = data.load_mnist(Path(rest[0]).expanduser())
        return f"MNIST from {rest[0]}", train, test
    if rest:
        raise DatasetError(f"--dataset {name} takes no path, got {' '.join(rest)!r}")
    if name == "digits":
        train, test = data.load_digits(seed=seed)
        return "digits (8x8, scikit-learn)", train, test
    rng = np.random.default_rng(seed)
    x, t = data.spiral(rng=rng) if name == "spiral" else data.planar(rng=rng, layout="rows")
    train_idx, test_idx = data.stratified_split(t, 0.2, rng)
    return name, (x[train_idx], t[train_idx]), (x[test_idx], t[test_idx])


# ----- the run ---------------------------------------------------------------------------
def run_train(args, out=None) -> int:
    """The ``train`` command (the folder's files are listed at the end)."""
    import autograd_lite as ag

    from ..serialization import save_arrays

    out = sys.stdout if out is None else out
    def say(text=""):
        print(text, file=out, flush=True)

    folder = _output_folder(args.out)
    # the learning curves need matplotlib: say so before training, not after
    require("matplotlib.figure", "autograd-lite train (its learning curves)", RenderError)
    if args.model == "two-layer" and len(args.hidden) != 1:
        raise InvalidArgumentError(
            f"--model two-layer has one hidden layer, but --hidden gives {len(args.hidden)} "
            f"sizes ({' '.join(map(str, args.hidden))}); use --model mlp for more layers"
        )
    title, (x_train, t_train), (x_test, t_test) = load_dataset(args.dataset, args.seed)
    x_train = x_train.reshape(len(x_train), -1).astype(np.float64)
    x_test = x_test.reshape(len(x_test), -1).astype(np.float64)
    if args.limit is not None:
        x_train, t_train = x_train[: args.limit], t_train[: args.limit]
    # Standardise each feature with the training part's statistics (kept in input_scaling.npz).
    mean, scale = x_train.mean(axis=0), x_train.std(axis=0) + SCALE_FLOOR
    x_train, x_test = (x_train - mean) / scale, (x_test - mean) / scale
    n_classes = int(max(t_train.max(), t_test.max())) + 1
    sizes = [x_train.shape[1], *args.hidden, n_classes]
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    if weights > MAX_WEIGHTS:
        raise InvalidArgumentError(
            f"--hidden: a network of sizes {sizes} has {weights:,} weights; the command line "
            f"trains at most {MAX_WEIGHTS:,} (use smaller hidden layers)"
        )
    batch = min(args.batch_size, len(x_train))
    if batch * max(sizes) > MAX_WEIGHTS:
        raise InvalidArgumentError(
            f"--batch-size {args.batch_size}: a batch of {batch:,} examples through layers of up "
            f"to {max(sizes):,} units holds {batch * max(sizes):,} values, more than "
            f"{MAX_WEIGHTS:,}; use a smaller batch"
        )

    rng = np.random.default_rng(args.seed)
    model = ag.nn.MLP(sizes, activation=args.activation, batchnorm=args.batchnorm,
                      dropout=args.dropout, rng=rng)
    lr = args.lr if args.lr is not None else DEFAULT_LR[args.optimizer]
    optimizer = _optimizer(ag, args.optimizer, model, lr, args.weight_decay)

    n_params = sum(p.data.size for p in model.parameters())
    say(f"dataset   {title}: {len(x_train):,} train / {len(x_test):,} test, "
        f"{x_train.shape[1]} features (standardised), {n_classes} classes")
    say(f"model     {' -> '.join(map(str, sizes))} ({args.model}, {args.activation}"
        f"{', batchnorm' if args.batchnorm else ''}"
        f"{f', dropout {args.dropout:g}' if args.dropout else ''}), {n_params:,} parameters")
    say(f"training  {args.optimizer} lr={lr:g}"
        f"{f' weight_decay={args.weight_decay:g}' if args.weight_decay else ''}, "
        f"{args.epochs} epochs, batch size {args.batch_size}, seed {args.seed}")
    say()
    start = time.perf_counter()
    with _one_blas_thread():
        history = ag.fit(model, optimizer, (x_train, t_train), (x_test, t_test),
                         epochs=args.epochs, batch_size=args.batch_size, rng=rng,
                         progress=False if args.no_progress else None, verbose=True)
    seconds = time.perf_counter() - start
    say()

    paths = {"weights": model.save(folder / FILES["weights"])}
    paths["scaling"] = save_arrays(folder / FILES["scaling"], {"mean": mean, "scale": scale})
    state = model.state_dict()
    try:
        paths["curves"] = plot_curves(ag, history, folder / FILES["curves"], title, sizes, args, lr)
        graph_x, graph_t = small_batch(x_test, t_test, GRAPH_BATCH, n_classes)
        paths["graph"] = draw_graph(ag, model, graph_x, graph_t, folder / FILES["graph"], args)
        check_x, check_t = small_batch(x_test, t_test, CHECK_BATCH, n_classes)
        say(f"checking the gradient of every parameter numerically ({n_params:,} values) ...")
        check_start = time.perf_counter()
        with _one_blas_thread():
            report, text = gradient_check(ag, model, check_x, check_t, args.seed)
        check_seconds = time.perf_counter() - check_start
        paths["gradcheck"] = write_text(folder / FILES["gradcheck"], text)
    finally:
        model.load_state_dict(state)  # the checks ran forward passes; keep the trained state
        model.eval()

    test_acc = history.test_acc[-1]
    correct = int(round(test_acc * len(x_test)))
    say(f"test accuracy: {100 * test_acc:.2f}% ({correct} / {len(x_test)}) after "
        f"{args.epochs} epochs ({seconds:.1f} s of training)")
    worst = max(book_metric(c) for c in report.inputs)
    say(f"gradient check: {report.status}, largest mean |backprop - numerical| {worst:.1e} "
        f"({n_params:,} parameters, {check_seconds:.1f} s)")
    say("wrote:")
    width = max(len(str(p)) for p in paths.values())
    for key, what in (("curves", "learning curves"), ("graph", "graph of one batch's loss"),
                      ("gradcheck", "gradient check"), ("weights", "weights (model.load)"),
                      ("scaling", "input mean and scale (x - mean) / scale")):
        say(f"  {paths[key]:<{width}}  {what}")
    return 0


def _one_blas_thread():
    """The networks here are small: one BLAS thread is faster, and much faster on busy cores."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1)


def _output_folder(path: str) -> Path:
    folder = Path(path).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InvalidArgumentError(
            f"--out: cannot create the folder {path!r}: {e.strerror}"
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InvalidArgumentError(f"--out: the folder {path!r} is not writable")
    return folder


def _optimizer(ag, name: str, model, lr: float, weight_decay: float):
    classes = {"sgd": ag.optim.SGD, "momentum": ag.optim.Momentum, "adagrad": ag.optim.AdaGrad,
               "rmsprop": ag.optim.RMSprop, "adam": ag.optim.Adam}
    return classes[name](model.parameters(), lr=lr, weight_decay=weight_decay)
