"""Batch normalisation with running statistics, shared by ``nn.BatchNorm`` and ``ag.book``.

Training: the fused ``BatchNorm`` op on batch statistics, and the running statistics move as
the book's ``running = momentum * running + (1 - momentum) * batch``. Evaluation:
``gamma * (x - running_mean) / sqrt(running_var + eps) + beta``.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError, ShapeError
from ..ops import BatchNorm as BatchNormOp
from ..tensor import Tensor, apply

__all__ = ["batch_norm"]


def batch_norm(x, gamma, beta, running_mean: np.ndarray, running_var: np.ndarray, train: bool,
               momentum: float = 0.9, eps: float = 1e-6, owner: str = "BatchNorm"):
    """Normalise ``x`` (N, D); in training, update ``running_mean``/``running_var`` in place."""
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    d = running_mean.shape[0]
    if data.ndim != 2 or data.shape[1] != d:
        raise ShapeError(
            f"{owner}: x has shape {data.shape}; it needs shape (N, {d}) "
            f"({d} features, one row per example)"
        )
    if train and data.shape[0] == 0:
        raise InvalidArgumentError(
            f"{owner}: the batch is empty (x of shape {data.shape}); training mode needs at "
            "least one example for the batch mean and variance (the running statistics are "
            "unchanged)"
        )
    if train:
        y = apply(BatchNormOp, x, gamma, beta, eps=eps)
        mu = data.mean(axis=0)
        var = np.mean((data - mu) ** 2, axis=0)
        running_mean *= momentum
        running_mean += (1 - momentum) * mu
        running_var *= momentum
        running_var += (1 - momentum) * var
        return y
    # Copies: the graph keeps constants, and the running statistics move on in place later.
    xc = x - running_mean.copy()
    xn = xc / np.sqrt(running_var + eps)
    return gamma * xn + beta
