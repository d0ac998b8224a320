"""Image layers on NCHW batches: Conv2d, MaxPool2d, AvgPool2d, Flatten, BatchNorm2d.

    model = ag.nn.Sequential(
        ag.nn.Conv2d(1, 16, 3, pad=1, rng=rng), ag.nn.ReLU(), ag.nn.MaxPool2d(2),
        ag.nn.Flatten(), ag.nn.Affine(16 * 4 * 4, 10, rng=rng))

Arguments in PyTorch's order; ``stride`` and ``pad`` are an int or a pair ``(h, w)``.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InvalidArgumentError, ShapeError
from ..functions import avg_pool2d, conv2d, max_pool2d
from ..ops.conv import check_4d, pair
from ..tensor import Tensor
from .functional import batch_norm
from .init import as_rng, weight_std
from .layers import BatchNorm, _size
from .module import Module, Parameter

__all__ = ["Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "BatchNorm2d"]


class Conv2d(Module):
    """y = conv2d(x, W) + b with W of shape (out_channels, in_channels, KH, KW) (the book's
    layout) and b of shape (out_channels,).

    ``init``: a float std, ``"he"``/``"relu"`` (default, std sqrt(2 / (C * KH * KW))) or
    ``"xavier"``/``"sigmoid"``; b starts at zero. ``rng``: a ``numpy.random.Generator``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, pad=0,
                 bias: bool = True, init="he", rng=None, dtype=np.float64):
        super().__init__()
        self.in_channels = _size("Conv2d", "in_channels", in_channels)
        self.out_channels = _size("Conv2d", "out_channels", out_channels)
        self.kernel_size = pair(kernel_size, "kernel_size", "Conv2d", 1)
        self.stride = pair(stride, "stride", "Conv2d", 1)
        self.pad = pair(pad, "pad", "Conv2d", 0)
        rng = as_rng(rng, "Conv2d")
        kh, kw = self.kernel_size
        std = weight_std(init, self.in_channels * kh * kw)
        shape = (self.out_channels, self.in_channels, kh, kw)
        self.W = Parameter((std * rng.standard_normal(shape)).astype(dtype, copy=False))
        if bias:
            self.b = Parameter(np.zeros(self.out_channels, dtype=dtype))
        else:
            self.b = None

    def forward(self, x):
        return conv2d(x, self.W, self.b, stride=self.stride, pad=self.pad)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, pad={self.pad}")


class MaxPool2d(Module):
    """The maximum of each ``kernel_size`` window; ``stride`` defaults to the window size."""

    def __init__(self, kernel_size, stride=None, pad=0):
        super().__init__()
        self.kernel_size = pair(kernel_size, "kernel_size", type(self).__name__, 1)
        self.stride = self.kernel_size if stride is None else pair(
            stride, "stride", type(self).__name__, 1)
        self.pad = pair(pad, "pad", type(self).__name__, 0)

    def forward(self, x):
        return max_pool2d(x, *self.kernel_size, stride=self.stride, pad=self.pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, pad={self.pad}"


class AvgPool2d(MaxPool2d):
    """The mean of each ``kernel_size`` window, zero padding counted (PyTorch's default)."""

    def forward(self, x):
        return avg_pool2d(x, *self.kernel_size, stride=self.stride, pad=self.pad)


class Flatten(Module):
    """(N, ...) -> (N, everything else): images to rows for an ``Affine`` layer."""

    def forward(self, x):
        shape = np.shape(x.data if isinstance(x, Tensor) else x)
        if len(shape) < 1:
            raise InvalidArgumentError(f"{self.name or 'Flatten'}: x is a scalar, not a batch")
        return np.reshape(x, (shape[0], math.prod(shape[1:])))


class BatchNorm2d(BatchNorm):
    """Batch normalisation of (N, C, H, W) images per channel: the statistics of each channel
    are taken over N, H and W (``BatchNorm`` on the (N*H*W, C) rows). Same arguments and
    running statistics as ``BatchNorm`` (momentum 0.9, the book's; eps 1e-6)."""

    def forward(self, x):
        owner = self.name or "BatchNorm2d"
        data = x.data if isinstance(x, Tensor) else np.asarray(x)
        check_4d(data, owner)
        n, c, h, w = data.shape
        if c != self.num_features:
            raise ShapeError(
                f"{owner}: x has shape {data.shape} ({c} channels); the layer was built with "
                f"num_features={self.num_features}"
            )
        rows = np.reshape(np.transpose(x, (0, 2, 3, 1)), (-1, c))
        y = batch_norm(rows, self.gamma, self.beta, self.running_mean, self.running_var,
                       self.training, self.momentum, self.eps, owner=owner)
        return np.transpose(np.reshape(y, (n, h, w, c)), (0, 3, 1, 2))
