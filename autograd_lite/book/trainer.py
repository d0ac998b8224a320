"""The book's ``Trainer`` (``common/trainer.py``) and its ``common/util.py`` helpers
``smooth_curve`` and ``shuffle_dataset``. With ``rng=None`` randomness comes from NumPy's global
state with the book's calls (``np.random.choice``, ``np.random.permutation``); a numpy Generator
passed as ``rng`` is used instead."""

from __future__ import annotations

import numbers

import numpy as np

from .. import checks
from ..errors import InvalidArgumentError, ShapeError
from . import randomness
from .optimizers import SGD, AdaGrad, Adam, BookOptimizer, Momentum, Nesterov, RMSprop

__all__ = ["Trainer", "smooth_curve", "shuffle_dataset", "OPTIMIZERS"]

#: the names ``Trainer(optimizer=...)`` accepts (case-insensitive); "rmsprpo" is the book's
#: spelling in ``common/trainer.py``
OPTIMIZERS = {
    "sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "adagrad": AdaGrad,
    "rmsprop": RMSprop, "rmsprpo": RMSprop, "adam": Adam,
}


class Trainer:
    """Mini-batch training of a book network, recording the loss and the accuracies.

    Each step draws ``mini_batch_size`` examples with replacement (the book's
    ``np.random.choice(train_size, batch_size)``, or ``rng.choice``), updates
    ``network.params`` with the optimizer and appends the batch loss to ``train_loss_list``.
    At the start of each epoch (as the book: every ``train_size / mini_batch_size`` steps, so
    not every epoch when that is not a whole number) it appends the train and test
    accuracy (on the first
    ``evaluate_sample_num_per_epoch`` examples when given) to ``train_acc_list`` and
    ``test_acc_list``. ``optimizer`` is a name (``'SGD'``, ``'Momentum'``, ``'Nesterov'``,
    ``'AdaGrad'``, ``'RMSprop'``, ``'Adam'``) built with ``optimizer_param`` (default
    ``{'lr': 0.01}``), or a book optimizer object.
    """

    def __init__(self, network, x_train, t_train, x_test, t_test, epochs=20,
                 mini_batch_size=100, optimizer="SGD", optimizer_param=None,
                 evaluate_sample_num_per_epoch=None, verbose=True, rng=None):
        if not callable(getattr(network, "gradient", None)) or not isinstance(
                getattr(network, "params", None), dict):
            raise InvalidArgumentError(
                f"Trainer: network must be a book network (with params and gradient(x, t)), "
                f"got {type(network).__name__}"
            )
        self.network = network
        self.verbose = verbose
        self.x_train, self.t_train = np.asarray(x_train), np.asarray(t_train)
        self.x_test, self.t_test = np.asarray(x_test), np.asarray(t_test)
        for name, x, t in (("train", self.x_train, self.t_train),
                           ("test", self.x_test, self.t_test)):
            if x.ndim == 0 or t.ndim == 0 or len(x) != len(t):
                raise ShapeError(
                    f"Trainer: x_{name} has shape {x.shape} and t_{name} has shape {t.shape}; "
                    "they need one label (or one-hot row) per example"
                )
        for name, value in (("epochs", epochs), ("mini_batch_size", mini_batch_size)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise InvalidArgumentError(f"Trainer: {name} must be a positive int, got {value!r}")
        self.epochs = int(epochs)
        self.batch_size = int(mini_batch_size)
        if evaluate_sample_num_per_epoch is not None:
            checks.positive_int("Trainer", "evaluate_sample_num_per_epoch",
                                evaluate_sample_num_per_epoch)
        self.evaluate_sample_num_per_epoch = evaluate_sample_num_per_epoch
        self.rng = randomness.check_rng(rng, "Trainer")
        if isinstance(optimizer, BookOptimizer):
            self.optimizer = optimizer
        else:
            key = optimizer.lower() if isinstance(optimizer, str) else None
            if key not in OPTIMIZERS:
                raise InvalidArgumentError(
                    f"Trainer: unknown optimizer {optimizer!r}; use one of "
                    "'SGD', 'Momentum', 'Nesterov', 'AdaGrad', 'RMSprop', 'Adam'"
                )
            param = {"lr": 0.01} if optimizer_param is None else dict(
                checks.mapping("Trainer", "optimizer_param", optimizer_param))
            try:
                self.optimizer = OPTIMIZERS[key](**param)
            except TypeError as e:
                raise InvalidArgumentError(f"Trainer: optimizer_param {param!r}: {e}") from None
        self.train_size = self.x_train.shape[0]
        self.iter_per_epoch = max(self.train_size / self.batch_size, 1)
        self.max_iter = int(self.epochs * self.iter_per_epoch)
        self.current_iter = 0
        self.current_epoch = 0
        self.train_loss_list: list[float] = []
        self.train_acc_list: list[float] = []
        self.test_acc_list: list[float] = []

    def train_step(self) -> None:
        """One mini-batch update (and the accuracies when an epoch starts)."""
        batch_mask = randomness.choice(self.rng, self.train_size, self.batch_size)
        x_batch = self.x_train[batch_mask]
        t_batch = self.t_train[batch_mask]
        grads = self.network.gradient(x_batch, t_batch)
        self.optimizer.update(self.network.params, grads)
        loss = self.network.loss(x_batch, t_batch)
        self.train_loss_list.append(loss)
        if self.verbose:
            print("train loss:" + str(loss))
        # The book's test; with a ratio that is not whole it skips epochs, as the book's does.
        if self.current_iter % self.iter_per_epoch == 0:
            self.current_epoch += 1
            x_train, t_train, x_test, t_test = self.x_train, self.t_train, self.x_test, self.t_test
            n = self.evaluate_sample_num_per_epoch
            if n is not None:
                x_train, t_train = x_train[:n], t_train[:n]
                x_test, t_test = x_test[:n], t_test[:n]
            train_acc = self.network.accuracy(x_train, t_train)
            test_acc = self.network.accuracy(x_test, t_test)
            self.train_acc_list.append(train_acc)
            self.test_acc_list.append(test_acc)
            if self.verbose:
                print(f"=== epoch:{self.current_epoch}, train acc:{train_acc}, "
                      f"test acc:{test_acc} ===")
        self.current_iter += 1

    def train(self) -> None:
        """Run ``epochs`` epochs of steps, then print the final test accuracy (if verbose)."""
        for _ in range(self.max_iter):
            self.train_step()
        test_acc = self.network.accuracy(self.x_test, self.t_test)
        if self.verbose:
            print("=============== Final Test Accuracy ===============")
            print("test acc:" + str(test_acc))


def smooth_curve(x, window_len: int = 11) -> np.ndarray:
    """A smoothed copy of a loss curve for plotting: a moving average with a Kaiser window
    (beta 2) over ``window_len`` points, the ends padded by reflection (the book's helper)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or len(x) < window_len:
        raise ShapeError(
            f"smooth_curve: x needs to be 1-D with at least {window_len} values, "
            f"got shape {x.shape}"
        )
    padded = np.concatenate([x[window_len - 1:0:-1], x, x[-2:-window_len - 1:-1]])
    weights = np.kaiser(window_len, 2)
    smoothed = np.convolve(weights / weights.sum(), padded, mode="valid")
    half = window_len // 2
    return smoothed[half:len(smoothed) - half]


def shuffle_dataset(x, t, rng=None):
    """``x`` and ``t`` in the same random order: one ``np.random.permutation`` (or one from
    ``rng``, a numpy Generator)."""
    x, t = np.asarray(x), np.asarray(t)
    if len(x) != len(t):
        raise ShapeError(f"shuffle_dataset: x has {len(x)} examples but t has {len(t)}")
    order = randomness.permutation(randomness.check_rng(rng, "shuffle_dataset"), len(x))
    return x[order], t[order]
