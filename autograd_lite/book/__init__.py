"""The book-compatible API: "Deep Learning from Scratch" code with gradients by autodiff.

A reader's chapter 5 and 6 scripts run by changing only their imports: each of

    from common.layers import *
    from two_layer_net import TwoLayerNet
    from common.multi_layer_net import MultiLayerNet
    from common.multi_layer_net_extend import MultiLayerNetExtend
    from common.optimizer import SGD, Adam
    from common.trainer import Trainer
    from common.util import smooth_curve, shuffle_dataset
    from common.gradient import numerical_gradient
    from common.functions import softmax, cross_entropy_error, sigmoid
    from simple_convnet import SimpleConvNet
    from deep_convnet import DeepConvNet
    from common.util import im2col, col2im

becomes ``from autograd_lite.book import ...`` with the same names.

Networks keep the book's ``params`` dict of plain NumPy arrays; ``gradient(x, t)``
backpropagates through the engine's graph. With no ``rng`` argument everything random draws
from NumPy's global state with the book's calls, in the book's order, and the losses carry the
book's ``+ 1e-7``: a script run after ``np.random.seed(s)`` prints the book's numbers
(``tests/test_book_same_numbers.py``). See ``docs/book.md`` for the differences.
"""

from .convnet import Convolution, DeepConvNet, Pooling, SimpleConvNet
from .functions import (
    cross_entropy_error,
    identity_function,
    mean_squared_error,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    softmax_loss,
    step_function,
)
from .gradient import numerical_gradient
from .layers import (
    AddLayer,
    Affine,
    BatchNormalization,
    Dropout,
    MulLayer,
    Relu,
    Sigmoid,
    SoftmaxWithLoss,
)
from .network import BookNetwork
from .networks import MultiLayerNet, MultiLayerNetExtend, TwoLayerNet
from .optimizers import SGD, AdaGrad, Adam, BookOptimizer, Momentum, Nesterov, RMSprop
from .trainer import Trainer, shuffle_dataset, smooth_curve
from .util import col2im, im2col

__all__ = [
    "TwoLayerNet", "MultiLayerNet", "MultiLayerNetExtend", "BookNetwork",
    "MulLayer", "AddLayer", "Affine", "Relu", "Sigmoid", "SoftmaxWithLoss", "Dropout",
    "BatchNormalization",
    "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam", "BookOptimizer",
    "Trainer", "smooth_curve", "shuffle_dataset", "numerical_gradient",
    "identity_function", "step_function", "sigmoid", "sigmoid_grad", "relu", "relu_grad",
    "softmax", "mean_squared_error", "cross_entropy_error", "softmax_loss",
    "SimpleConvNet", "DeepConvNet", "Convolution", "Pooling", "im2col", "col2im",
]
