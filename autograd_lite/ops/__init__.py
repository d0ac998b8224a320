"""The built-in node types, grouped by family. Importing this package fills ``REGISTRY``."""

from .activations import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .arithmetic import Add, Div, Exp, Log, LogAddExp, Mul, Neg, Pow, Sqrt, Sub
from .conv import Col2Im, Convolution, ConvTranspose, Im2Col
from .linalg import Affine, MatMul
from .log_softmax import LogSoftmax, SumTo
from .losses import MeanSquaredError, SigmoidWithLoss, SoftmaxWithLoss
from .normalization import BatchNorm
from .piecewise import Abs, Maximum, Minimum, Where
from .pooling import AvgPooling, Pooling, Unpool
from .reductions import Max, Mean, Sum
from .regularization import Dropout
from .shape import BroadcastTo, Cast, GetItem, Reshape, ScatterAdd, Transpose

__all__ = [
    "AvgPooling", "Col2Im", "ConvTranspose", "Convolution", "Im2Col", "LogSoftmax", "Pooling",
    "SumTo", "Unpool",
    "Abs", "Cast", "LogAddExp", "Maximum", "Minimum", "ScatterAdd", "Sqrt", "Where",
    "Add", "Affine", "BatchNorm", "BroadcastTo", "Div", "Dropout", "Exp", "GetItem", "LeakyReLU",
    "Log", "Max", "MatMul", "Mean", "MeanSquaredError", "Mul", "Neg", "Pow", "ReLU", "Reshape",
    "Sigmoid", "SigmoidWithLoss", "Softmax", "SoftmaxWithLoss", "Sub", "Sum", "Tanh", "Transpose",
]
