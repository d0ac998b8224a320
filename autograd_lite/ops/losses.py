"""Losses: SoftmaxWithLoss, SigmoidWithLoss, MeanSquaredError. Each returns a scalar.

Conventions (what is averaged):
- ``SoftmaxWithLoss``: cross-entropy of softmax(logits), the **mean over the batch** (as the book).
- ``SigmoidWithLoss``: binary cross-entropy on logits, the **mean over all elements** (as the
  course's logistic-regression cost J = -(1/m) sum(y log a + (1 - y) log(1 - a))).
- ``MeanSquaredError``: the book's ``0.5 * sum((y - t)^2)``, a **sum over all elements** with
  the factor 0.5, not divided by the batch size.
Labels take no gradient.
"""

from __future__ import annotations

import numpy as np

from ..errors import DTypeError, InvalidArgumentError, ShapeError
from ..op import Domain, Op


def _check_labels(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Validate labels against (N, K) logits: (N, K) targets pass as they are; (N,) class
    indices come back as an integer array (float labels holding whole numbers are converted).

    Out-of-range indices are caught here for negatives and by the indexing in ``forward`` for
    the rest, so a valid batch pays for one reduction only.
    """
    n, k = logits.shape
    if labels.shape == logits.shape:
        if labels.dtype.kind not in "biuf":
            raise DTypeError(f"SoftmaxWithLoss: one-hot labels must be numeric, got {labels.dtype}")
        return labels
    if labels.shape != (n,):
        raise ShapeError(
            f"SoftmaxWithLoss: input 1 (labels) has shape {labels.shape}; logits have shape "
            f"{logits.shape}, so labels need shape ({n},) (class indices) "
            f"or {logits.shape} (one-hot)"
        )
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind != "f" or np.any(labels != np.round(labels)):
            raise DTypeError(
                f"SoftmaxWithLoss: class-index labels must be integers, got dtype {labels.dtype}"
            )
        labels = labels.astype(np.int64)
    if n and labels.min() < 0:
        _raise_label_range(labels, k)
    return labels


def _raise_label_range(labels: np.ndarray, k: int):
    bad = labels[(labels < 0) | (labels >= k)][0]
    raise InvalidArgumentError(
        f"SoftmaxWithLoss: label {bad} is out of range for {k} classes (expected 0..{k - 1})"
    )


def _softmax_loss_case(rng):
    n, k = (int(d) for d in rng.integers(1, 5, size=2))
    k += 1
    logits = rng.uniform(-3, 3, size=(n, k))
    if rng.random() < 0.5:
        labels = rng.integers(0, k, size=n)
    else:
        labels = np.eye(k)[rng.integers(0, k, size=n)]
    return (logits, labels), {}


class SoftmaxWithLoss(Op):
    """L = -(1/N) sum_n sum_k t_nk log softmax(x)_nk  (mean over the batch).

    logits (N, K) or (K,); labels (N,) class indices or (N, K) one-hot (or soft) targets.
    VJP: gx = g * (softmax(x) * sum_k t - t) / N   (= (y - t) / N for one-hot t); labels: None.
    Uses log-softmax (x - max - log sum exp), so logits of +-1e4 give finite values.
    """

    label = "SoftmaxWithLoss"
    domain = Domain(arity=2, sample=_softmax_loss_case, nondiff=(1,))

    @staticmethod
    def forward(logits, labels):
        one_d = logits.ndim == 1
        if one_d:
            logits = logits[np.newaxis, :]
            # (K,) labels are a target vector; a class index is a number. With K = 1 the two
            # look alike: float labels are then a target (a probability), integers an index.
            target = np.ndim(labels) == 1 and (
                labels.size > 1 or np.asarray(labels).dtype.kind == "f"
            )
            labels = np.reshape(labels, (1, -1) if target else (1,))
        if logits.ndim != 2:
            raise ShapeError(
                "SoftmaxWithLoss: input 0 (logits) must be (N, K) or (K,), "
                f"got shape {logits.shape}"
            )
        if logits.size == 0:
            what = "the batch is empty" if logits.shape[0] == 0 else "there are no classes"
            raise InvalidArgumentError(
                f"SoftmaxWithLoss: {what} (logits of shape {logits.shape}); the loss is a mean "
                "over at least one example of at least one class"
            )
        labels = _check_labels(logits, np.asarray(labels))
        n = logits.shape[0]
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        norm = exp.sum(axis=1, keepdims=True)
        probs = exp / norm
        if labels.ndim == 2:
            # (N, K) targets: L = -(1/N) sum t * log_softmax(x)
            loss = -(labels * (shifted - np.log(norm))).sum() / n
            rows = None
        else:
            # class indices: only the log-probability of each row's class enters the loss
            rows = np.arange(n)
            try:
                picked = shifted[rows, labels]
            except IndexError:
                _raise_label_range(labels, logits.shape[1])
            loss = (np.log(norm[:, 0]) - picked).sum() / n
        return loss.astype(logits.dtype), (probs, labels, rows, one_d)

    @staticmethod
    def backward(saved, g):
        probs, labels, rows, one_d = saved
        n = probs.shape[0]
        if rows is None:
            gx = (probs * labels.sum(axis=1, keepdims=True) - labels) * (g / n)
        else:
            onehot = np.zeros(probs.shape, dtype=probs.dtype)
            onehot[rows, labels] = 1.0  # a new array of ours; probs itself is never written
            gx = (probs - onehot) * (g / n)
        return (gx[0] if one_d else gx), None


def _binary_case(rng):
    shape = tuple(int(d) for d in rng.integers(1, 5, size=int(rng.integers(1, 3))))
    return (rng.uniform(-4, 4, size=shape), rng.integers(0, 2, size=shape).astype(float)), {}


class SigmoidWithLoss(Op):
    """L = mean over all elements of -(t log a + (1 - t) log(1 - a)),  a = sigmoid(x).

    The course's logistic-regression cost, on logits. Computed as max(x, 0) - x t + log(1 + e^-|x|),
    so x = +-1000 stays finite. VJP: gx = g * (a - t) / size; targets: None.
    """

    label = "SigmoidWithLoss"
    domain = Domain(arity=2, sample=_binary_case, nondiff=(1,))

    @staticmethod
    def forward(logits, t):
        if t.shape != logits.shape:
            raise ShapeError(
                f"SigmoidWithLoss: input 1 (t) has shape {t.shape}; logits have shape "
                f"{logits.shape}, and the two must match"
            )
        if logits.size == 0:
            raise InvalidArgumentError("SigmoidWithLoss: logits are empty")
        if t.dtype.kind not in "biuf":
            raise DTypeError(f"SigmoidWithLoss: input 1 (t) must be numeric, got dtype {t.dtype}")
        losses = np.logaddexp(0.0, logits) - logits * t
        a = np.exp(-np.logaddexp(0.0, -logits))
        return losses.mean().astype(logits.dtype), (a, t, logits.size)

    @staticmethod
    def backward(saved, g):
        a, t, size = saved
        return (a - t) * (g / size), None


class MeanSquaredError(Op):
    """L = 0.5 * sum((y - t)^2) over all elements (the book's convention; no batch mean).

    VJP: gy = g * (y - t),  gt = -g * (y - t).
    """

    label = "MeanSquaredError"
    domain = Domain(arity=2, shapes="same")

    @staticmethod
    def forward(y, t):
        if y.shape != t.shape:
            raise ShapeError(
                f"MeanSquaredError: input 1 (t) has shape {t.shape}; y has shape {y.shape}, "
                "and the two must match"
            )
        diff = y - t
        return (0.5 * np.sum(diff * diff)).astype(diff.dtype), diff

    @staticmethod
    def backward(diff, g, needs):
        return (g * diff if needs[0] else None), (-g * diff if needs[1] else None)
