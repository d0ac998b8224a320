"""Normalisation: the fused BatchNorm op (training mode, batch statistics)."""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError, ShapeError
from ..op import Domain, Op


def _batch_norm_case(rng):
    n = int(rng.integers(2, 6))
    d = int(rng.integers(1, 5))
    # Each column is a shuffled spread plus noise, so no column has a tiny variance (the
    # normalisation is ill-conditioned there and central differences would be meaningless).
    spread = np.linspace(-1.5, 1.5, n)
    x = np.stack([rng.permutation(spread) for _ in range(d)], axis=1)
    x = x * rng.uniform(0.5, 2.0, size=d) + rng.uniform(-1.0, 1.0, size=d)
    x = x + rng.uniform(-0.2, 0.2, size=(n, d))
    gamma = rng.uniform(-2.0, 2.0, size=d)
    beta = rng.uniform(-2.0, 2.0, size=d)
    eps = (1e-6, 1e-3)[int(rng.integers(2))]
    return (x, gamma, beta), {"eps": eps}


class BatchNorm(Op):
    """Batch normalisation over the batch axis, as the book's ``BatchNormalization`` layer.

    x: (N, D), gamma: (D,), beta: (D,)::

        mu = mean_n x,   xc = x - mu,   var = mean_n xc^2,   std = sqrt(var + eps)
        xn = xc / std,   y = gamma * xn + beta

    VJP (the book's chain, node by node):
    gbeta = sum_n g,  ggamma = sum_n xn * g,  gxn = gamma * g,
    gstd = -sum_n gxn * xc / std^2,  gvar = 0.5 * gstd / std,
    gxc = gxn / std + (2 / N) * xc * gvar,  gx = gxc - mean_n gxc.

    The book writes eps as ``10e-7``, which is 1e-6: that is the default here.
    """

    label = "BatchNorm"
    domain = Domain(arity=3, sample=_batch_norm_case)

    @staticmethod
    def forward(x, gamma, beta, eps=1e-6):
        if x.ndim != 2:
            raise ShapeError(
                f"BatchNorm: input 0 (x) must be 2-D (N, D), got shape {x.shape}; "
                "flatten it first with x.reshape(N, -1)"
            )
        d = x.shape[1]
        for index, (name, value) in enumerate((("gamma", gamma), ("beta", beta)), start=1):
            if value.shape != (d,):
                raise ShapeError(
                    f"BatchNorm: input {index} ({name}) has shape {value.shape}; x has shape "
                    f"{x.shape}, so {name} needs shape ({d},)"
                )
        if x.shape[0] == 0:
            raise InvalidArgumentError(
                f"BatchNorm: the batch is empty (x of shape {x.shape}); the batch mean and "
                "variance need at least one example"
            )
        mu = x.mean(axis=0)
        xc = x - mu
        var = np.mean(xc**2, axis=0)
        std = np.sqrt(var + eps)
        xn = xc / std
        return gamma * xn + beta, (xc, xn, std, gamma)

    @staticmethod
    def backward(saved, g, needs):
        xc, xn, std, gamma = saved
        gx = None
        if needs[0]:
            n = g.shape[0]
            gxn = gamma * g
            gstd = -np.sum((gxn * xc) / (std * std), axis=0)
            gvar = 0.5 * gstd / std
            gxc = gxn / std + (2.0 / n) * xc * gvar
            gx = gxc - np.sum(gxc, axis=0) / n
        ggamma = np.sum(xn * g, axis=0) if needs[1] else None
        gbeta = g.sum(axis=0) if needs[2] else None
        return gx, ggamma, gbeta
