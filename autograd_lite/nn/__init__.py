"""Layers and models: ``Module``, ``Parameter``, ``Affine``/``Linear``, activations,
``Dropout``, ``BatchNorm``, ``Sequential``, ``MLP``, the image layers ``Conv2d``,
``MaxPool2d``, ``AvgPool2d``, ``Flatten``, ``BatchNorm2d``, and the book's initialisers.

    model = ag.nn.MLP([64, 50, 10], rng=np.random.default_rng(0))
    opt = ag.optim.Adam(model.parameters(), lr=1e-3)
    loss = ag.softmax_with_loss(model(x), t)
    opt.zero_grad(); loss.backward(); opt.step()
"""

from . import init
from .containers import MLP, Sequential
from .conv import AvgPool2d, BatchNorm2d, Conv2d, Flatten, MaxPool2d
from .functional import batch_norm
from .layers import Affine, BatchNorm, Dropout, LeakyReLU, Linear, ReLU, Sigmoid, Tanh
from .module import Module, Parameter

__all__ = [
    "Module", "Parameter", "Affine", "Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh",
    "Dropout", "BatchNorm", "Sequential", "MLP", "init", "batch_norm",
    "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "BatchNorm2d",
]
