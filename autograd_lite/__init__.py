"""autograd_lite: a computational-graph automatic-differentiation engine on NumPy.

    import autograd_lite as ag
    x = ag.Tensor([[1.0, 2.0]], name="x")
    W = ag.Tensor([[0.5], [-1.0]], name="W")
    loss = (x @ W).relu().sum()
    loss.backward()
    W.grad
"""

from . import book, data, functions, nn, optim
from .derivatives import grad, hessian, hvp, jacobian
from .engine import Node
from .errors import (
    AnomalyError,
    AutogradLiteError,
    BackwardError,
    DatasetError,
    DatasetNotFoundError,
    DTypeError,
    ExpressionError,
    GradcheckError,
    InPlaceError,
    InvalidArgumentError,
    NotDifferentiableError,
    OpDefinitionError,
    RenderError,
    ShapeError,
    WeightsError,
)
from .functions import (  # noqa: A004 - sum/max/pow shadow builtins inside ag, as in NumPy
    add,
    affine,
    avg_pool2d,
    broadcast_to,
    col2im,
    conv2d,
    conv_transpose2d,
    div,
    dropout,
    exp,
    getitem,
    im2col,
    leaky_relu,
    log,
    log_softmax,
    matmul,
    max,
    max_pool2d,
    mean,
    mean_squared_error,
    mul,
    neg,
    pow,
    relu,
    reshape,
    sigmoid,
    sigmoid_with_loss,
    softmax,
    softmax_with_loss,
    sub,
    sum,
    sum_to,
    tanh,
    transpose,
)
from .gradcheck import (
    GradcheckReport,
    check_graph,
    check_layer,
    check_op,
    gradcheck,
    numerical_gradient,
)
from .modes import detect_anomaly, enable_grad, is_grad_enabled, name_scope, no_grad
from .op import REGISTRY, Domain, Op
from .plotting import plot_decision_boundary, plot_history
from .tensor import Tensor, apply
from .training import fit
from .viz import draw_network, render, render_backward, to_dot

__version__ = "0.1.0"
