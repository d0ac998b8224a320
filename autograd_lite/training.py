"""``ag.fit``: train a model on minibatches and return a ``History`` of every epoch.

The loop is the book's, written once: shuffle, take a minibatch, zero the gradients, forward,
loss, ``backward()``, ``optimizer.step()``; after each epoch measure the loss and accuracy.

    history = ag.fit(model, opt, (x_train, t_train), (x_test, t_test), epochs=10, batch_size=100)
    print(history)                      # a table, one row per epoch
    ag.plot_history(history, "curves.png")

Everything is checked before the first step, so bad input raises and changes nothing.
"""

from __future__ import annotations

import math
import sys
import time
import warnings

import numpy as np

from . import checks
from .data.batching import batches
from .errors import AutogradLiteError, DTypeError, InvalidArgumentError, ShapeError
from .extras import require
from .functions import mean_squared_error, sigmoid_with_loss, softmax_with_loss
from .history import History
from .modes import no_grad
from .tensor import Tensor

LOSSES = {
    "softmax_with_loss": softmax_with_loss,
    "sigmoid_with_loss": sigmoid_with_loss,
    "mean_squared_error": mean_squared_error,
}
PROBE_SIZE = 2

__all__ = ["History", "accuracy", "evaluate", "fit"]


def fit(
    model,
    optimizer,
    train,
    test=None,
    *,
    epochs: int,
    batch_size: int,
    loss="softmax_with_loss",
    rng=None,
    shuffle: bool = True,
    progress=None,
    verbose: bool = False,
) -> History:
    """Train ``model`` with ``optimizer`` for ``epochs`` passes over ``train``; return a History.

    model
        Callable on a Tensor of a minibatch (one example per row), returning logits (N, K) —
        or (N, 1) / (N,) for one sigmoid output — and having ``parameters()``. When it has
        ``train()`` / ``eval()`` they are called: train mode for the steps, eval mode to measure.
        The model is left in eval mode.
    optimizer
        Has ``step()`` (and ``zero_grad()``; without it the parameters' gradients are cleared).
    train, test
        ``(x, t)`` pairs of arrays with one example per row; labels are class indices (N,),
        one-hot rows (N, K), or 0/1 targets for a sigmoid output. ``test`` is optional.
    loss
        ``"softmax_with_loss"`` (default), ``"sigmoid_with_loss"``, ``"mean_squared_error"`` or a
        callable ``loss(logits, t) -> scalar Tensor``.
    rng
        A ``numpy.random.Generator`` or int seed for the shuffling; None draws a fresh one.
    progress
        None: a tqdm bar on stderr when stderr is a terminal (and tqdm is installed); True: always
        (needs tqdm); False: never.
    verbose
        Print one table row per epoch to stdout as it finishes.

    Losses are means per example, whatever the batch size (for ``"mean_squared_error"``: the
    book's 0.5 * sum of squares of one example, averaged over the examples). The history's
    ``loss`` is the mean minibatch loss during each epoch; ``train_acc``,
    ``test_loss`` and ``test_acc`` are measured after the epoch in eval mode, like the book's
    ``network.accuracy(x_train, t_train)``.
    """
    loss_fn, loss_name = _loss_function(loss)
    params = _check_model(model, optimizer)
    x, t = _check_pair(train, "train")
    test_pair = None if test is None else _check_pair(test, "test", like=(x, t))
    epochs = checks.positive_int("fit", "epochs", epochs)
    batch_size = checks.positive_int("fit", "batch_size", batch_size)
    rng = checks.rng("fit", rng)
    shuffle = checks.boolean("fit", "shuffle", shuffle)
    verbose = checks.boolean("fit", "verbose", verbose)
    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise InvalidArgumentError(
            f"fit: progress must be None, True or False, got {checks.describe(progress)}"
        )
    was_training = getattr(model, "training", None)
    try:
        _probe(model, loss_fn, loss_name, x, t, "train")
        if test_pair is not None:
            _probe(model, loss_fn, loss_name, *test_pair, "test")
    except Exception:
        if was_training:  # the probe switched to eval mode; a failed call changes nothing
            _set_mode(model, train=True)
        raise
    steps = math.ceil(x.shape[0] / batch_size)
    bar = _progress_bar(progress, epochs * steps)
    history = History(has_test=test_pair is not None)
    emit = bar.write if bar is not None else print
    if verbose:
        emit(history.header())
    try:
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            _set_mode(model, train=True)
            total = 0.0
            for xb, tb in batches(x, t, batch_size, shuffle=bool(shuffle), rng=rng):
                value = _step(model, optimizer, params, loss_fn, loss_name, xb, tb)
                history.step_loss.append(value)
                total += value * _examples_weight(loss_name, xb.shape[0])
                if bar is not None:
                    bar.set_postfix_str(f"epoch {epoch}/{epochs} loss {value:.4f}", refresh=False)
                    bar.update(1)
            _, train_acc = _measure(model, x, t, loss_fn, loss_name, batch_size, False)
            test_loss = test_acc = None
            if test_pair is not None:
                test_loss, test_acc = _measure(
                    model, *test_pair, loss_fn, loss_name, batch_size, True
                )
            history.record(
                epoch,
                total / x.shape[0],
                train_acc,
                test_loss,
                test_acc,
                time.perf_counter() - start,
            )
            if not math.isfinite(history.loss[-1]):
                warnings.warn(
                    f"fit: the loss became {history.loss[-1]} in epoch {epoch}; "
                    "try a smaller learning rate",
                    RuntimeWarning,
                    stacklevel=2,
                )
            if verbose:
                emit(history.row(-1))
    finally:
        if bar is not None:
            bar.close()
    return history


def evaluate(model, x, t, loss="softmax_with_loss", batch_size: int = 1000):
    """``(mean loss, accuracy)`` of ``model`` on ``(x, t)``, in eval mode, without a graph.

    The loss is averaged over batches of ``batch_size`` weighted by their size. The accuracy is
    None when the outputs and labels are not a classification (see ``accuracy``).
    """
    loss_fn, loss_name = _loss_function(loss)
    x, t = np.asarray(x), np.asarray(t)
    return _measure(model, x, t, loss_fn, loss_name, batch_size, True)


def _examples_weight(loss_name, batch: int) -> int:
    """How many examples one minibatch's loss stands for, so that a sum over minibatches divided
    by the number of examples is a mean per example whatever the batch size: the batch-mean
    losses count ``batch`` times; ``mean_squared_error`` (the book's 0.5 * sum over the batch)
    already adds its examples up, so it counts once."""
    return 1 if loss_name == "mean_squared_error" else batch


def _measure(model, x, t, loss_fn, loss_name, batch_size, with_loss: bool):
    _set_mode(model, train=False)
    total_loss, correct, counted = 0.0, 0, True
    with no_grad():
        for xb, tb in batches(x, t, batch_size, shuffle=False):
            y = model(Tensor(xb, requires_grad=False))
            if with_loss:
                value = float(loss_fn(y, _fit_labels(tb, y, loss_name)).item())
                total_loss += value * _examples_weight(loss_name, len(xb))
            hits = _correct(_data(y), tb)
            counted = counted and hits is not None
            correct += hits or 0
    n = x.shape[0]
    return (total_loss / n if with_loss else None), (correct / n if counted else None)


def accuracy(y, t) -> float | None:
    """The fraction of rows of outputs ``y`` that predict labels ``t``; None if not a classifier.

    ``y`` (N, K) with K >= 2: the prediction is ``argmax``; ``t`` holds class indices (N,) or
    one-hot rows (N, K). ``y`` (N, 1) or (N,): one logit per example, predicted class
    ``y > 0``; ``t`` must hold 0s and 1s. Anything else (a regression) gives None.
    """
    y = _data(y)
    hits = _correct(y, np.asarray(t))
    return None if hits is None else hits / y.shape[0]


# ----- one training step ---------------------------------------------------------------------
def _step(model, optimizer, params, loss_fn, loss_name, xb, tb) -> float:
    if hasattr(optimizer, "zero_grad"):
        optimizer.zero_grad()
    else:
        for p in params:
            p.grad = None
    y = model(Tensor(xb, requires_grad=False))
    value = loss_fn(y, _fit_labels(tb, y, loss_name))
    value.backward()
    optimizer.step()
    return float(value.item())


def _correct(y: np.ndarray, t: np.ndarray) -> int | None:
    n = y.shape[0]
    if y.ndim == 2 and y.shape[1] >= 2:
        if t.shape == y.shape:
            t = t.argmax(axis=1)
        if t.shape != (n,):
            return None
        return int(np.count_nonzero(y.argmax(axis=1) == t))
    if y.size == n and t.size == n:
        t = t.reshape(n)
        if not np.isin(t, (0, 1)).all():
            return None
        return int(np.count_nonzero((y.reshape(n) > 0) == (t == 1)))
    return None


def _fit_labels(t, y, loss_name):
    """Targets (N,) for one-output models reshaped to the output's (N, 1) for the built-ins."""
    shape = _data(y).shape
    if (
        loss_name in ("sigmoid_with_loss", "mean_squared_error")
        and t.shape != shape
        and (t.size == int(np.prod(shape)))
    ):
        return t.reshape(shape)
    return t


def _data(y) -> np.ndarray:
    return y.data if isinstance(y, Tensor) else np.asarray(y)


def _set_mode(model, train: bool) -> None:
    method = getattr(model, "train" if train else "eval", None)
    if callable(method):
        method()


# ----- checks before training -----------------------------------------------------------------
def _loss_function(loss):
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise InvalidArgumentError(
                f"fit: loss must be one of {', '.join(map(repr, LOSSES))} or a callable, "
                f"got {loss!r}"
            )
        return LOSSES[loss], loss
    if callable(loss):
        return loss, None
    raise InvalidArgumentError(f"fit: loss must be a name or a callable, got {type(loss).__name__}")


def _check_model(model, optimizer) -> list:
    if not callable(model) or not callable(getattr(model, "parameters", None)):
        raise InvalidArgumentError(
            f"fit: model must be callable and have parameters(), got {type(model).__name__}"
        )
    if not callable(getattr(optimizer, "step", None)):
        raise InvalidArgumentError(
            f"fit: optimizer must have a step() method, got {type(optimizer).__name__}"
        )
    params = list(model.parameters())
    if not params:
        raise InvalidArgumentError("fit: model.parameters() is empty; there is nothing to train")
    return params


def _check_pair(pair, name: str, like=None):
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise InvalidArgumentError(f"fit: {name} must be a pair (x, t) of arrays")
    x, t = (np.asarray(a.data if isinstance(a, Tensor) else a) for a in pair)
    if x.ndim < 2 or x.dtype.kind not in "biuf":
        raise ShapeError(
            f"fit: {name} x must be a numeric array with one example per row, got shape "
            f"{x.shape} and dtype {x.dtype}"
        )
    if t.ndim < 1 or t.shape[0] != x.shape[0]:
        raise ShapeError(
            f"fit: {name} t has {t.shape[0] if t.ndim else 0} labels (shape {t.shape}) but "
            f"{name} x has {x.shape[0]} examples (shape {x.shape}); they must match"
        )
    if x.shape[0] == 0:
        raise ShapeError(f"fit: {name} is empty (x has shape {x.shape})")
    if like is not None:
        for what, a, b in (("x", x, like[0]), ("t", t, like[1])):
            if a.shape[1:] != b.shape[1:]:
                raise ShapeError(
                    f"fit: {name} {what} has examples of shape {a.shape[1:]} (shape {a.shape}), "
                    f"but train {what} has {b.shape[1:]}; they must match"
                )
    return x, t


def _probe(model, loss_fn, loss_name, x, t, name) -> None:
    """Run the model and the loss on two examples (eval mode, no graph) to check the shapes."""
    _set_mode(model, train=False)
    xb, tb = x[:PROBE_SIZE], t[:PROBE_SIZE]
    with no_grad():
        try:
            y = model(Tensor(xb, requires_grad=False))
        except (ShapeError, ValueError) as e:
            raise ShapeError(
                f"fit: the model does not accept {name} x (examples of shape {x.shape[1:]}): {e}"
            ) from e
        if not isinstance(y, Tensor) or y.ndim < 1 or y.shape[0] != xb.shape[0]:
            got = f"shape {y.shape}" if isinstance(y, Tensor) else type(y).__name__
            raise ShapeError(
                f"fit: the model must return a Tensor with one row per example; for {name} x of "
                f"{xb.shape[0]} examples it returned {got}"
            )
        _check_label_range(y, t, loss_name, name)
        try:
            value = loss_fn(y, _fit_labels(tb, y, loss_name))
        except (AutogradLiteError, ValueError, TypeError) as e:
            cls = type(e) if isinstance(e, AutogradLiteError) else ShapeError
            raise cls(
                f"fit: {name} t (shape {t.shape}) does not fit the model's output (shape "
                f"(N, {', '.join(map(str, y.shape[1:]))})): {e}"
            ) from e
        if not isinstance(value, Tensor) or value.data.size != 1:
            got = f"a Tensor of shape {value.shape}" if isinstance(value, Tensor) else (
                type(value).__name__)
            raise InvalidArgumentError(
                f"fit: loss must return a single-element Tensor computed from the model's "
                f"output (with ag.* functions and Tensor operators), got {got}"
            )


def _check_label_range(y, t, loss_name, name) -> None:
    if loss_name != "softmax_with_loss" or y.ndim != 2 or t.ndim != 1:
        return
    if t.dtype.kind not in "iu" and not (t.dtype.kind == "f" and np.all(t == np.round(t))):
        raise DTypeError(f"fit: {name} t must hold integer class indices, got dtype {t.dtype}")
    k = y.shape[1]
    if t.min() < 0 or t.max() >= k:
        raise InvalidArgumentError(
            f"fit: {name} t holds labels {int(t.min())}..{int(t.max())}, but the model has {k} "
            f"outputs, so labels must be in 0..{k - 1}"
        )


def _progress_bar(progress, total: int):
    if progress is None:
        if not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
            return None
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return None
    elif progress is True:
        tqdm = require("tqdm.auto", "fit(progress=True)", InvalidArgumentError).tqdm
    else:
        return None
    return tqdm(total=total, file=sys.stderr, unit="batch", desc="fit", dynamic_ncols=True)
