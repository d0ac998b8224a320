"""The book's chapter 7 layers (im2col, col2im, Convolution, Pooling) and SimpleConvNet, written
from the chapter's formulas in the book's style: ``im2col`` fills a (N, C, FH, FW, OH, OW)
array with one Python-loop iteration per filter position, and every backward returns the input
gradient (the first Convolution's ``col2im`` of it too, which the network never uses).

Formulas (OH = (H + 2 pad - FH) // stride + 1):
    im2col:      col[(n, p, q), (c, i, j)] = xpad[n, c, p s + i, q s + j]
    Convolution: out = im2col(x) W2^T + b,  W2 = W.reshape(FN, -1)
                 dW = (dout2^T col).reshape(W.shape),  db = sum dout2,  dx = col2im(dout2 W2)
    Pooling:     out = max over each window of im2col(x);   dx = col2im(dout at each argmax)
"""

from __future__ import annotations

import numpy as np

from .book_layers import Affine, Relu, SoftmaxWithLoss


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_data.shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)], "constant")
    col = np.zeros((N, C, filter_h, filter_w, out_h, out_w), dtype=input_data.dtype)
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            col[:, :, y, x, :, :] = img[:, :, y:y_max:stride, x:x_max:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    col = col.reshape(N, out_h, out_w, C, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((N, C, H + 2 * pad + stride - 1, W + 2 * pad + stride - 1), dtype=col.dtype)
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            img[:, :, y:y_max:stride, x:x_max:stride] += col[:, :, y, x, :, :]
    return img[:, :, pad:H + pad, pad:W + pad]


class Convolution:
    def __init__(self, W, b, stride=1, pad=0):
        self.W, self.b, self.stride, self.pad = W, b, stride, pad

    def forward(self, x):
        FN, C, FH, FW = self.W.shape
        N, C, H, W = x.shape
        out_h = (H + 2 * self.pad - FH) // self.stride + 1
        out_w = (W + 2 * self.pad - FW) // self.stride + 1
        self.x = x
        self.col = im2col(x, FH, FW, self.stride, self.pad)
        self.col_W = self.W.reshape(FN, -1).T
        out = np.dot(self.col, self.col_W) + self.b
        return out.reshape(N, out_h, out_w, -1).transpose(0, 3, 1, 2)

    def backward(self, dout):
        FN, C, FH, FW = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
        self.db = np.sum(dout, axis=0)
        self.dW = np.dot(self.col.T, dout).transpose(1, 0).reshape(FN, C, FH, FW)
        dcol = np.dot(dout, self.col_W.T)
        return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)


class Pooling:
    def __init__(self, pool_h, pool_w, stride=1, pad=0):
        self.pool_h, self.pool_w, self.stride, self.pad = pool_h, pool_w, stride, pad

    def forward(self, x):
        N, C, H, W = x.shape
        out_h = (H - self.pool_h) // self.stride + 1
        out_w = (W - self.pool_w) // self.stride + 1
        col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad)
        col = col.reshape(-1, self.pool_h * self.pool_w)
        self.x = x
        self.arg_max = np.argmax(col, axis=1)
        out = np.max(col, axis=1)
        return out.reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)

    def backward(self, dout):
        dout = dout.transpose(0, 2, 3, 1)
        pool_size = self.pool_h * self.pool_w
        dmax = np.zeros((dout.size, pool_size), dtype=dout.dtype)
        dmax[np.arange(self.arg_max.size), self.arg_max.flatten()] = dout.flatten()
        dcol = dmax.reshape(dout.shape[0] * dout.shape[1] * dout.shape[2], -1)
        return col2im(dcol, self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad)


class FlatAffine(Affine):
    """The book's Affine flattens (N, C, H, W) input to rows and restores the shape in dx."""

    def forward(self, x):
        self.original_x_shape = x.shape
        return super().forward(x.reshape(x.shape[0], -1))

    def backward(self, dout):
        return super().backward(dout).reshape(*self.original_x_shape)


class BookSimpleConvNet:
    """conv - relu - pool - affine - relu - affine - softmax with the layers above;
    ``step(x, t)`` is one forward, backward and SGD update of the caller's ``params``."""

    def __init__(self, params: dict, conv_param=None, lr: float = 0.01):
        conv_param = conv_param or {"stride": 1, "pad": 0}
        self.params = params
        self.lr = lr
        self.layers = [
            Convolution(params["W1"], params["b1"], conv_param["stride"], conv_param["pad"]),
            Relu(), Pooling(2, 2, stride=2), FlatAffine(params["W2"], params["b2"]), Relu(),
            FlatAffine(params["W3"], params["b3"]),
        ]
        self.last_layer = SoftmaxWithLoss()

    def loss(self, x, t):
        for layer in self.layers:
            x = layer.forward(x)
        return self.last_layer.forward(x, t)

    def gradient(self, x, t) -> dict:
        self.loss(x, t)
        dout = self.last_layer.backward(1)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        conv, _, _, affine1, _, affine2 = self.layers
        return {"W1": conv.dW, "b1": conv.db, "W2": affine1.dW, "b2": affine1.db,
                "W3": affine2.dW, "b3": affine2.db}

    def numerical_gradient(self, x, t, h=1e-4) -> dict:
        grads = {}
        for key, p in self.params.items():
            g = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                old = p[idx]
                p[idx] = old + h
                plus = self.loss(x, t)
                p[idx] = old - h
                minus = self.loss(x, t)
                p[idx] = old
                g[idx] = (plus - minus) / (2 * h)
            grads[key] = g
        return grads

    def step(self, x, t) -> None:
        grads = self.gradient(x, t)
        for key in ("W1", "b1", "W2", "b2", "W3", "b3"):
            self.params[key] -= self.lr * grads[key]
