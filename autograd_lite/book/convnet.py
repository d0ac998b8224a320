"""The book's chapters 7 and 8: the ``Convolution`` and ``Pooling`` layers, ``SimpleConvNet``
(``ch07/simple_convnet.py``) and ``DeepConvNet`` (``ch08/deep_convnet.py``), with gradients
from the engine's graph.

With no ``rng`` the weights (and DeepConvNet's dropout masks) are drawn from NumPy's global
state with ``np.random.randn``/``np.random.rand`` in the book's order and scales, so
``np.random.seed(...)`` gives the book's numbers; pass ``rng`` (a Generator) for independence.
"""

from __future__ import annotations

import numbers
import os

import numpy as np

from ..errors import DTypeError, InvalidArgumentError, ShapeError, WeightsError
from ..nn.init import as_rng
from ..ops import Affine, ReLU
from ..ops import Convolution as ConvolutionOp
from ..ops import Dropout as DropoutOp
from ..ops import Pooling as PoolingOp
from ..serialization import check_arrays, load_arrays, save_arrays
from ..tensor import apply
from .layers import _EngineLayer, _leaf
from .network import BookNetwork
from .pickles import is_pickle, load_weights_pickle

__all__ = ["Convolution", "Pooling", "SimpleConvNet", "DeepConvNet"]


class Convolution(_EngineLayer):
    """The book's convolution layer: ``forward(x)`` on (N, C, H, W), ``backward(dout)`` -> dx,
    setting ``dW`` and ``db``. ``W`` (FN, C, FH, FW) and ``b`` (FN,) are used as given (the
    network's ``params`` arrays), so an optimizer's in-place update is seen by the next call."""

    def __init__(self, W, b, stride=1, pad=0):
        self.W = W
        self.b = b
        self.stride = stride
        self.pad = pad
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.x = np.asarray(x)
        self._leaves = (_leaf(self.x, self), _leaf(self.W, self), _leaf(self.b, self))
        return self._record(ConvolutionOp, *self._leaves, stride=self.stride, pad=self.pad)

    def backward(self, dout):
        dx, self.dW, self.db = self._backprop(dout)
        return dx


class Pooling(_EngineLayer):
    """The book's max-pooling layer (``stride`` defaults to 1, as in the book's
    ``common/layers.py``; its networks pass ``stride=2``). Padding, if any, is -inf where the
    book pads zeros: the two differ only when pad > 0 and a whole window is negative."""

    def __init__(self, pool_h, pool_w, stride=1, pad=0):
        self.pool_h = pool_h
        self.pool_w = pool_w
        self.stride = stride
        self.pad = pad
        self.x = None

    def forward(self, x):
        self.x = np.asarray(x)
        self._leaves = (_leaf(self.x, self),)
        return self._record(PoolingOp, *self._leaves, pool_h=self.pool_h, pool_w=self.pool_w,
                            stride=self.stride, pad=self.pad)

    def backward(self, dout):
        return self._backprop(dout)[0]


def _input_dim(value, owner: str) -> tuple:
    ok = isinstance(value, (tuple, list)) and len(value) == 3 and all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1 for v in value)
    if not ok:
        raise InvalidArgumentError(
            f"{owner}: input_dim must be (channels, height, width), three positive ints, "
            f"got {value!r}"
        )
    return tuple(int(v) for v in value)


def _conv_param(value, owner: str, name: str) -> dict:
    keys = ("filter_num", "filter_size", "pad", "stride")
    if not isinstance(value, dict) or any(k not in value for k in keys):
        raise InvalidArgumentError(f"{owner}: {name} must be a dict with keys {keys}, got "
                                   f"{value!r}")
    for k in keys:
        v = value[k]
        low = 0 if k == "pad" else 1
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < low:
            raise InvalidArgumentError(f"{owner}: {name}[{k!r}] must be an int >= {low}, "
                                       f"got {v!r}")
    return {k: int(value[k]) for k in keys}


class _ConvNet(BookNetwork):
    """What SimpleConvNet and DeepConvNet share: image input checks, the book's random draws,
    batched accuracy and weights files that are ``.npz`` (or the book's pickles, read safely)."""

    def __init__(self, input_dim, output_size, rng, owner: str):
        self.input_dim = _input_dim(input_dim, owner)
        if isinstance(output_size, bool) or not isinstance(output_size, numbers.Integral) or (
                output_size < 1):
            raise InvalidArgumentError(f"{owner}: output_size must be a positive int, got "
                                       f"{output_size!r}")
        super().__init__(int(np.prod(self.input_dim)), int(output_size), as_rng(rng, owner))
        self._book_random = rng is None  # draw from np.random as the book does

    def _randn(self, std, *shape) -> np.ndarray:
        if self._book_random:
            return std * np.random.randn(*shape)
        return std * self.rng.standard_normal(shape)

    def _conv_out(self, shape, p: dict, owner: str):
        c, h, w = shape
        fs, pad, stride = p["filter_size"], p["pad"], p["stride"]
        if fs > h + 2 * pad or fs > w + 2 * pad:
            raise ShapeError(f"{owner}: a filter of {fs}x{fs} does not fit an input of "
                             f"{(h, w)} padded by {pad}")
        return p["filter_num"], (h + 2 * pad - fs) // stride + 1, (w + 2 * pad - fs) // stride + 1

    # ----- input checks ---------------------------------------------------------------------
    def _check_x(self, x, where):
        name = f"{type(self).__name__}.{where}"
        x = np.asarray(x)
        if x.dtype.kind not in "biuf":
            raise DTypeError(f"{name}: x must be numeric, got dtype {x.dtype}")
        if x.ndim == 2 and x.shape[1] == self.input_size:  # flattened images
            x = x.reshape((x.shape[0],) + self.input_dim)
        if x.ndim != 4 or x.shape[1:] != self.input_dim:
            raise ShapeError(
                f"{name}: x has shape {x.shape}; this network was built with input_dim="
                f"{self.input_dim}, so x needs shape (N, {', '.join(map(str, self.input_dim))})"
            )
        return x

    def _check_xt(self, x, t, where):
        t = np.asarray(t)
        if t.ndim == 2 and t.shape[1] == 1 and self.output_size != 1:
            t = t.reshape(-1)  # labels as a column: the book's ch07/gradient_check.py
        return super()._check_xt(x, t, where)

    # ----- the book's API ---------------------------------------------------------------------
    def accuracy(self, x, t, batch_size=100) -> float:
        """The fraction of correct predictions, computed ``batch_size`` examples at a time.

        The book's loop skips the last ``N % batch_size`` examples but divides by N; here every
        example counts (the same number whenever N is a multiple of ``batch_size``)."""
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or (
                batch_size < 1):
            raise InvalidArgumentError(f"{type(self).__name__}.accuracy: batch_size must be a "
                                       f"positive int, got {batch_size!r}")
        x, t = self._check_xt(x, t, "accuracy")
        if t.ndim != 1:
            t = np.argmax(t, axis=1)
        correct = 0
        for i in range(0, x.shape[0], batch_size):
            y = self.predict(x[i:i + batch_size], train_flg=False)
            correct += int(np.sum(np.argmax(y, axis=1) == t[i:i + batch_size]))
        return correct / max(x.shape[0], 1)

    def save_params(self, file_name="params.pkl") -> str:
        """Write ``params`` as ``.npz`` content (never a pickle, whatever the name), atomically."""
        return save_arrays(file_name, self.params)

    def load_params(self, file_name="params.pkl") -> None:
        """Read ``.npz`` weights, or the book's pretrained pickles through a restricted
        unpickler (NumPy arrays, dicts, lists and numbers only; any other global is refused
        before it runs). Keys, shapes and dtypes are checked first: all or nothing."""
        path = os.fspath(file_name)
        if not os.path.exists(path):
            raise WeightsError(f"load_params: no weights file at {path!r}")
        loaded = load_weights_pickle(path) if is_pickle(path) else load_arrays(path)
        check_arrays(self.params, loaded, f"weights file {path!r}")
        for key, target in self.params.items():
            np.copyto(target, loaded[key])


def _conv_step(i: int, p: dict):
    W, b, stride, pad = f"W{i}", f"b{i}", p["stride"], p["pad"]
    return f"Conv{i}", lambda h, P, train: apply(ConvolutionOp, h, P[W], P[b], stride=stride,
                                                  pad=pad)


def _relu_step(i: int):
    return f"Relu{i}", lambda h, P, train: apply(ReLU, h)


def _pool_step(i: int):
    return f"Pool{i}", lambda h, P, train: apply(PoolingOp, h, pool_h=2, pool_w=2, stride=2)


def _affine_step(i: int, key: int):
    W, b = f"W{key}", f"b{key}"
    def step(h, P, train):
        if h.ndim > 2:  # the book's Affine flattens images to rows
            h = np.reshape(h, (h.shape[0], int(np.prod(h.shape[1:]))))
        return apply(Affine, h, P[W], P[b])

    return f"Affine{i}", step


class SimpleConvNet(_ConvNet):
    """conv - relu - pool - affine - relu - affine - softmax (``ch07/simple_convnet.py``).

    ``params``: W1 (filter_num, C, filter_size, filter_size), b1, W2 (filter_num * (OH/2) *
    (OW/2), hidden_size), b2, W3 (hidden_size, output_size), b3, each W drawn as
    ``weight_init_std * randn`` in that order and each b zero. Pooling is 2x2 with stride 2.
    """

    def __init__(self, input_dim=(1, 28, 28),
                 conv_param={"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1},  # noqa: B006
                 hidden_size=100, output_size=10, weight_init_std=0.01, rng=None,
                 dtype=np.float64):
        owner = "SimpleConvNet"
        super().__init__(input_dim, output_size, rng, owner)
        p = _conv_param(conv_param, owner, "conv_param")
        if isinstance(hidden_size, bool) or not isinstance(hidden_size, numbers.Integral) or (
                hidden_size < 1):
            raise InvalidArgumentError(f"{owner}: hidden_size must be a positive int, got "
                                       f"{hidden_size!r}")
        fn, oh, ow = self._conv_out(self.input_dim, p, owner)
        self.conv_param, self.hidden_size = p, int(hidden_size)
        std, c = weight_init_std, self.input_dim[0]
        fs = p["filter_size"]
        pooled = fn * (oh // 2) * (ow // 2)
        P = self.params
        P["W1"] = self._randn(std, fn, c, fs, fs).astype(dtype, copy=False)
        P["b1"] = np.zeros(fn, dtype=dtype)
        P["W2"] = self._randn(std, pooled, self.hidden_size).astype(dtype, copy=False)
        P["b2"] = np.zeros(self.hidden_size, dtype=dtype)
        P["W3"] = self._randn(std, self.hidden_size, self.output_size).astype(dtype, copy=False)
        P["b3"] = np.zeros(self.output_size, dtype=dtype)
        self._steps = [_conv_step(1, p), _relu_step(1), _pool_step(1), _affine_step(1, 2),
                       _relu_step(2), _affine_step(2, 3)]


_DEEP_DEFAULTS = [(16, 1), (16, 1), (32, 1), (32, 2), (64, 1), (64, 1)]


class DeepConvNet(_ConvNet):
    """The book's deep network for 99% on MNIST (``ch08/deep_convnet.py``)::

        conv - relu - conv - relu - pool - conv - relu - conv - relu - pool -
        conv - relu - conv - relu - pool - affine - relu - dropout - affine - dropout - softmax

    He initial values (std sqrt(2 / inputs per neuron)); dropout 0.5 as the book's (no
    rescaling in training, times 0.5 at test time). ``loss`` and ``gradient`` run in training
    mode (dropout on), ``predict``/``accuracy`` in test mode, as the book.
    """

    _grad_train_flg = True
    use_dropout = True  # numerical_gradient replays the same masks (with an rng)

    def __init__(self, input_dim=(1, 28, 28),
                 conv_param_1={"filter_num": 16, "filter_size": 3, "pad": 1, "stride": 1},  # noqa: B006
                 conv_param_2={"filter_num": 16, "filter_size": 3, "pad": 1, "stride": 1},  # noqa: B006
                 conv_param_3={"filter_num": 32, "filter_size": 3, "pad": 1, "stride": 1},  # noqa: B006
                 conv_param_4={"filter_num": 32, "filter_size": 3, "pad": 2, "stride": 1},  # noqa: B006
                 conv_param_5={"filter_num": 64, "filter_size": 3, "pad": 1, "stride": 1},  # noqa: B006
                 conv_param_6={"filter_num": 64, "filter_size": 3, "pad": 1, "stride": 1},  # noqa: B006
                 hidden_size=50, output_size=10, rng=None, dtype=np.float64):
        owner = "DeepConvNet"
        super().__init__(input_dim, output_size, rng, owner)
        convs = [conv_param_1, conv_param_2, conv_param_3, conv_param_4, conv_param_5,
                 conv_param_6]
        convs = [_conv_param(p, owner, f"conv_param_{i}") for i, p in enumerate(convs, 1)]
        if isinstance(hidden_size, bool) or not isinstance(hidden_size, numbers.Integral) or (
                hidden_size < 1):
            raise InvalidArgumentError(f"{owner}: hidden_size must be a positive int, got "
                                       f"{hidden_size!r}")
        self.hidden_size = int(hidden_size)
        shape, fan_in, steps = self.input_dim, [], []
        for i, p in enumerate(convs, 1):
            fan_in.append(shape[0] * p["filter_size"] ** 2)
            shape = self._conv_out(shape, p, owner)
            steps += [_conv_step(i, p), _relu_step(i)]
            if i % 2 == 0:
                if shape[1] < 2 or shape[2] < 2:
                    raise ShapeError(f"{owner}: the input {self.input_dim} shrinks to "
                                     f"{shape[1:]} before pooling {i // 2}")
                shape = (shape[0], shape[1] // 2, shape[2] // 2)
                steps.append(_pool_step(i // 2))
        flat = int(np.prod(shape))
        fan_in += [flat, self.hidden_size]
        scales = np.sqrt(2.0 / np.array(fan_in))
        P, c = self.params, self.input_dim[0]
        for i, p in enumerate(convs, 1):
            fs = p["filter_size"]
            P[f"W{i}"] = self._randn(scales[i - 1], p["filter_num"], c, fs, fs).astype(dtype)
            P[f"b{i}"] = np.zeros(p["filter_num"], dtype=dtype)
            c = p["filter_num"]
        P["W7"] = self._randn(scales[6], flat, self.hidden_size).astype(dtype)
        P["b7"] = np.zeros(self.hidden_size, dtype=dtype)
        P["W8"] = self._randn(scales[7], self.hidden_size, self.output_size).astype(dtype)
        P["b8"] = np.zeros(self.output_size, dtype=dtype)
        steps += [_affine_step(1, 7), _relu_step(7), ("Dropout1", self._dropout),
                  _affine_step(2, 8), ("Dropout2", self._dropout)]
        self._steps = steps

    def _dropout(self, h, P, train):
        if not train:
            return h * 0.5
        shape = h.shape
        draw = np.random.rand(*shape) if self._book_random else self.rng.random(shape)
        return apply(DropoutOp, h, (draw > 0.5).astype(h.dtype))

    def loss(self, x, t, train_flg: bool = True) -> float:
        """The loss in training mode (dropout on), as the book's ``DeepConvNet.loss``."""
        return super().loss(x, t, train_flg)
