"""``load_digits``: the 8x8 handwritten digits bundled with scikit-learn, split like MNIST.

scikit-learn ships this dataset inside the package (1,797 images, 10 classes, pixels 0..16),
so nothing is downloaded. It is small enough to train on in seconds, which makes it the default
dataset of the demos and tests.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import DatasetError, InvalidArgumentError
from ..extras import require
from .preprocess import as_generator, one_hot, stratified_split

NUM_CLASSES = 10
MAX_PIXEL = 16


def load_digits(
    normalize: bool = True,
    one_hot_label: bool = False,
    test_size: float = 0.2,
    seed=0,
    flatten: bool = True,
):
    """Return ``(x_train, t_train), (x_test, t_test)``, like the book's ``load_mnist``.

    normalize
        True: pixels as float32 in [0, 1] (divided by 16). False: the raw values 0..16 as uint8.
    one_hot_label
        False: labels are int64 class indices, shape (N,). True: float32 one-hot, shape (N, 10).
    test_size
        Fraction of the 1,797 images put in the test part (default 0.2: 1,438 train, 359 test).
        The split is stratified: each digit keeps its share in both parts.
    seed
        An int or a ``numpy.random.Generator`` for the split; the same seed gives the same split.
    flatten
        True: images as rows of 64 pixels, shape (N, 64). False: shape (N, 1, 8, 8), as the book's
        ``flatten=False`` (one channel).

    Needs scikit-learn (``pip install "autograd-lite[demo]"``); raises ``DatasetError`` without it.
    """
    for name, value in (
        ("normalize", normalize),
        ("one_hot_label", one_hot_label),
        ("flatten", flatten),
    ):
        if not isinstance(value, (bool, np.bool_)):
            raise InvalidArgumentError(f"load_digits: {name} must be True or False, got {value!r}")
    if (
        isinstance(test_size, bool)
        or not isinstance(test_size, numbers.Real)
        or not (0.0 < float(test_size) < 1.0)
    ):
        raise InvalidArgumentError(
            f"load_digits: test_size must be a fraction in (0, 1), got {test_size!r}"
        )
    rng = as_generator(seed, "load_digits: seed")
    datasets = require("sklearn.datasets", "load_digits", DatasetError)
    bunch = datasets.load_digits()
    images = np.asarray(bunch.images)
    labels = np.asarray(bunch.target).astype(np.int64)
    if images.shape[1:] != (8, 8) or images.shape[0] != labels.shape[0]:
        raise DatasetError(
            "load_digits: scikit-learn returned images of shape "
            f"{images.shape} and labels of shape {labels.shape}; expected (N, 8, 8) and (N,)"
        )
    train_idx, test_idx = stratified_split(labels, test_size, rng)
    x = _pixels(images, normalize, flatten)
    t = one_hot(labels, NUM_CLASSES) if one_hot_label else labels
    return (x[train_idx], t[train_idx]), (x[test_idx], t[test_idx])


def _pixels(images: np.ndarray, normalize: bool, flatten: bool) -> np.ndarray:
    scaled = (images / MAX_PIXEL).astype(np.float32)
    x = scaled if normalize else np.rint(images).astype(np.uint8)
    n = x.shape[0]
    return x.reshape(n, -1) if flatten else x.reshape(n, 1, 8, 8)
