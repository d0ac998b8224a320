"""Small generated 2-D datasets for seeing a classifier's decision boundary.

``spiral`` (CS231n / DeZero), ``planar`` (the course's week 3 "flower") and ``xor``. Each takes
``rng``: a ``numpy.random.Generator`` or an int seed; the default ``None`` means seed 0, so a
set is the same on every run unless you pass your own generator.

``layout`` chooses where the examples go:

- ``"rows"``: ``x`` is (m, 2) and ``t`` is (m,) — the book's layout, the one ``ag.fit`` and
  ``ag.data.batches`` use.
- ``"columns"``: ``X`` is (2, m) and ``Y`` is (1, m) — the course's layout (one example per
  column). ``planar`` uses it by default, as the course's ``load_planar_dataset()`` does.

Points are float64; labels are int64 class indices.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import InvalidArgumentError
from .preprocess import as_generator

LAYOUTS = ("rows", "columns")


def spiral(
    n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2, rng=None, layout: str = "rows"
):
    """``n_classes`` interleaved spiral arms of ``n_per_class`` points each (CS231n's set).

    Arm j: radius r = linspace(0, 1), angle = linspace(4j, 4(j + 1)) + noise * N(0, 1),
    point (r sin(angle), r cos(angle)). Examples are ordered by class.
    """
    n = _count(n_per_class, "spiral", "n_per_class")
    k = _count(n_classes, "spiral", "n_classes", minimum=2)
    noise = _noise(noise, "spiral")
    rng = _rng(rng, "spiral")
    radius = np.tile(np.linspace(0.0, 1.0, n), k)
    t = np.repeat(np.arange(k, dtype=np.int64), n)
    theta = np.concatenate([np.linspace(4.0 * j, 4.0 * (j + 1), n) for j in range(k)])
    theta = theta + noise * rng.standard_normal(n * k)
    x = np.stack([radius * np.sin(theta), radius * np.cos(theta)], axis=1)
    return _arrange(x, t, layout, "spiral")


def planar(m: int = 400, noise: float = 0.2, rng=None, layout: str = "columns"):
    """The course's "flower": two classes of m / 2 points each on the petals of a rose curve.

    Class j: angle = linspace(3.12 j, 3.12 (j + 1)) + noise * N(0, 1),
    radius = 4 sin(4 angle) + noise * N(0, 1), point (radius sin(angle), radius cos(angle)).
    Default layout ``"columns"``: ``X`` (2, m), ``Y`` (1, m), as ``load_planar_dataset()``.
    """
    m = _count(m, "planar", "m", minimum=2)
    noise = _noise(noise, "planar")
    rng = _rng(rng, "planar")
    half = m // 2
    sizes = (half, m - half)
    points, labels = [], []
    for j, size in enumerate(sizes):
        angle = np.linspace(j * 3.12, (j + 1) * 3.12, size) + noise * rng.standard_normal(size)
        radius = 4.0 * np.sin(4.0 * angle) + noise * rng.standard_normal(size)
        points.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1))
        labels.append(np.full(size, j, dtype=np.int64))
    return _arrange(np.concatenate(points), np.concatenate(labels), layout, "planar")


def xor(m: int = 200, noise: float = 0.35, rng=None, layout: str = "rows"):
    """Four Gaussian blobs at (+-1, +-1); label 1 where the two coordinates' signs differ.

    Each point picks a corner at random and adds ``noise * N(0, I)``; its label is the XOR of
    the corner's signs, so no straight line separates the classes.
    """
    m = _count(m, "xor", "m")
    noise = _noise(noise, "xor")
    rng = _rng(rng, "xor")
    corners = rng.choice(np.array([-1.0, 1.0]), size=(m, 2))
    x = corners + noise * rng.standard_normal((m, 2))
    t = (corners[:, 0] != corners[:, 1]).astype(np.int64)
    return _arrange(x, t, layout, "xor")


def _arrange(x: np.ndarray, t: np.ndarray, layout: str, who: str):
    if layout == "rows":
        return x, t
    if layout == "columns":
        return np.ascontiguousarray(x.T), t.reshape(1, -1)
    raise InvalidArgumentError(
        f"{who}: layout must be one of {', '.join(map(repr, LAYOUTS))}, got {layout!r}"
    )


def _count(value, who: str, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise InvalidArgumentError(f"{who}: {name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _noise(value, who: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise InvalidArgumentError(f"{who}: noise must be a number >= 0, got {value!r}")
    return float(value)


def _rng(rng, who: str) -> np.random.Generator:
    return as_generator(0 if rng is None else rng, f"{who}: rng")
