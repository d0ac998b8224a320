"""Datasets for training: the bundled digits, MNIST and the course's cats from files you have,
generated toy sets, and minibatching. Nothing is ever downloaded.

    (x_train, t_train), (x_test, t_test) = ag.data.load_digits()
    for x_batch, t_batch in ag.data.batches(x_train, t_train, 100, rng=rng): ...
"""

from .batching import batches
from .catvnoncat import load_catvnoncat
from .digits import load_digits
from .mnist import load_mnist
from .preprocess import one_hot, stratified_split
from .toy import planar, spiral, xor

__all__ = [
    "batches",
    "load_catvnoncat",
    "load_digits",
    "load_mnist",
    "one_hot",
    "planar",
    "spiral",
    "stratified_split",
    "xor",
]
