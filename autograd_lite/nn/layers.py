"""Layers: Affine (alias Linear), ReLU, LeakyReLU, Sigmoid, Tanh, Dropout, BatchNorm."""

from __future__ import annotations

import numpy as np

from .. import checks
from ..errors import ShapeError
from ..functions import dropout
from ..ops import Affine as AffineOp
from ..ops import LeakyReLU as LeakyReLUOp
from ..ops import ReLU as ReLUOp
from ..ops import Sigmoid as SigmoidOp
from ..ops import Tanh as TanhOp
from ..tensor import Tensor, apply
from .functional import batch_norm
from .init import as_rng, normal_weight
from .module import Module, Parameter

__all__ = ["Affine", "Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Dropout", "BatchNorm"]


def _size(owner: str, name: str, value) -> int:
    return checks.positive_int(owner, name, value)


class Affine(Module):
    """y = x W + b with W of shape (in_features, out_features), as the book's Affine layer.

    ``init``: a float std, ``"he"``/``"relu"`` (default) or ``"xavier"``/``"sigmoid"``;
    b starts at zero. ``rng``: a ``numpy.random.Generator`` (a fresh one when None).
    """

    def __init__(self, in_features: int, out_features: int, init="he", rng=None,
                 dtype=np.float64):
        super().__init__()
        self.in_features = _size("Affine", "in_features", in_features)
        self.out_features = _size("Affine", "out_features", out_features)
        dtype = checks.float_dtype("Affine", "dtype", dtype)
        rng = as_rng(rng, "Affine")
        self.W = Parameter(normal_weight(self.in_features, self.out_features, init, rng, dtype))
        self.b = Parameter(np.zeros(self.out_features, dtype=dtype))

    def forward(self, x):
        shape = x.shape if isinstance(x, (Tensor, np.ndarray)) else np.shape(x)
        if len(shape) not in (1, 2) or shape[-1] != self.in_features:
            raise ShapeError(
                f"{self.name or 'Affine'}: x has shape {tuple(shape)}; the layer takes "
                f"in_features={self.in_features}, so x needs shape (N, {self.in_features})"
            )
        return apply(AffineOp, x, self.W, self.b)

    def extra_repr(self) -> str:
        return f"{self.in_features}, {self.out_features}"


#: PyTorch's name for the same layer.
Linear = Affine


class ReLU(Module):
    """y = max(x, 0)."""

    def forward(self, x):
        return apply(ReLUOp, x)


class LeakyReLU(Module):
    """y = x if x > 0 else slope * x."""

    def __init__(self, slope: float = 0.01):
        super().__init__()
        self.slope = checks.number("LeakyReLU", "slope", slope)

    def forward(self, x):
        return apply(LeakyReLUOp, x, slope=self.slope)

    def extra_repr(self) -> str:
        return f"slope={self.slope}"


class Sigmoid(Module):
    """y = 1 / (1 + e^-x)."""

    def forward(self, x):
        return apply(SigmoidOp, x)


class Tanh(Module):
    """y = tanh x."""

    def forward(self, x):
        return apply(TanhOp, x)


class Dropout(Module):
    """Inverted dropout (``ag.dropout``) in training mode; the identity in ``eval()`` mode."""

    def __init__(self, ratio: float = 0.5, rng=None):
        super().__init__()
        self.ratio = checks.ratio("Dropout", "ratio", ratio)
        self.rng = as_rng(rng, "Dropout")

    def forward(self, x):
        return dropout(x, self.ratio, train=self.training, rng=self.rng)

    def extra_repr(self) -> str:
        return f"ratio={self.ratio}"


class BatchNorm(Module):
    """Batch normalisation of (N, num_features) inputs, as the book's BatchNormalization.

    Training uses the batch statistics (the fused ``BatchNorm`` op) and moves the running
    statistics with ``momentum`` (0.9, the book's); ``eval()`` uses the running statistics.
    gamma starts at 1, beta at 0; running_mean at 0 and running_var at 1 (the book starts the
    variance at 0, which makes evaluation before any training step divide by sqrt(eps)).
    """

    def __init__(self, num_features: int, momentum: float = 0.9, eps: float = 1e-6,
                 dtype=np.float64):
        super().__init__()
        self.num_features = _size("BatchNorm", "num_features", num_features)
        self.momentum = checks.number("BatchNorm", "momentum", momentum, 0.0, 1.0,
                                      high_open=True)
        self.eps = checks.number("BatchNorm", "eps", eps, 0.0, low_open=True)
        dtype = checks.float_dtype("BatchNorm", "dtype", dtype)
        self.gamma = Parameter(np.ones(self.num_features, dtype=dtype))
        self.beta = Parameter(np.zeros(self.num_features, dtype=dtype))
        self.register_buffer("running_mean", np.zeros(self.num_features, dtype=dtype))
        self.register_buffer("running_var", np.ones(self.num_features, dtype=dtype))

    def forward(self, x):
        return batch_norm(x, self.gamma, self.beta, self.running_mean, self.running_var,
                          self.training, self.momentum, self.eps, owner=self.name or "BatchNorm")

    def extra_repr(self) -> str:
        return f"{self.num_features}, momentum={self.momentum}, eps={self.eps}"
