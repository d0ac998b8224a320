"""Steps the loaders share: one-hot labels and a stratified train/test split (NumPy only)."""

from __future__ import annotations

import numbers

import numpy as np

from .. import checks
from ..errors import InvalidArgumentError, ShapeError


def one_hot(t, num_classes: int | None = None, dtype=np.float32) -> np.ndarray:
    """Class indices ``t`` of shape (N,) as an (N, num_classes) array of 0s and 1s.

    ``num_classes`` defaults to ``t.max() + 1``. The caller's array is not changed.
    """
    t = np.asarray(t)
    if t.ndim != 1:
        raise ShapeError(f"one_hot: t must be a 1-D array of class indices, got shape {t.shape}")
    if t.size and not np.issubdtype(t.dtype, np.integer):
        raise InvalidArgumentError(f"one_hot: t must hold integer class indices, got {t.dtype}")
    if num_classes is not None:
        num_classes = checks.positive_int("one_hot", "num_classes", num_classes)
    k = int(t.max()) + 1 if num_classes is None and t.size else int(num_classes or 0)
    if t.size and (t.min() < 0 or t.max() >= k):
        raise InvalidArgumentError(
            f"one_hot: labels must be in 0..{k - 1} for num_classes={k}, "
            f"got values {int(t.min())}..{int(t.max())}"
        )
    out = np.zeros((t.size, k), dtype=dtype)
    out[np.arange(t.size), t] = 1
    return out


def as_generator(seed, who: str) -> np.random.Generator:
    """``seed`` as a Generator, by the package's policy (:func:`autograd_lite.checks.rng`):
    None gives fresh entropy, an int seeds a new one, a Generator is used as it is. ``who`` is
    ``"owner: argument"``."""
    owner, _, name = who.partition(": ")
    return checks.rng(owner, seed, name or "rng")


def stratified_split(t, test_size: float, rng=None):
    """Indices ``(train_idx, test_idx)`` that keep each class's share in both parts.

    ``round(test_size * N)`` examples go to the test part; each class contributes its share,
    rounded by the largest-remainder rule so the counts add up exactly. Both index arrays are
    shuffled with ``rng``, so neither part is sorted by class.
    """
    rng = checks.rng("stratified_split", rng)
    t = np.asarray(t)
    if t.ndim != 1:
        raise ShapeError(f"stratified_split: t must be a 1-D array of labels, got shape {t.shape}")
    if (
        isinstance(test_size, bool)
        or not isinstance(test_size, numbers.Real)
        or not (0.0 < float(test_size) < 1.0)
    ):
        raise InvalidArgumentError(
            f"stratified_split: test_size must be a fraction in (0, 1), got {test_size!r}"
        )
    n = t.shape[0]
    classes, inverse, counts = np.unique(t, return_inverse=True, return_counts=True)
    n_test = int(round(float(test_size) * n))
    if not 0 < n_test < n:
        raise InvalidArgumentError(
            f"stratified_split: test_size={test_size} of {n} examples leaves an empty part"
        )
    share = counts * (n_test / n)
    per_class = np.floor(share).astype(np.int64)
    leftover = n_test - int(per_class.sum())
    # Largest remainders first; a stable sort breaks ties by class order, deterministically.
    order = np.argsort(-(share - per_class), kind="stable")
    per_class[order[:leftover]] += 1
    train_parts, test_parts = [], []
    for c in range(len(classes)):
        members = rng.permutation(np.flatnonzero(inverse == c))
        test_parts.append(members[: per_class[c]])
        train_parts.append(members[per_class[c] :])
    train_idx = rng.permutation(np.concatenate(train_parts))
    test_idx = rng.permutation(np.concatenate(test_parts))
    return train_idx, test_idx
