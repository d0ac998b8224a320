"""autograd_lite: a computational-graph automatic-differentiation engine on NumPy.

    import autograd_lite as ag
    x = ag.Tensor([[1.0, 2.0]], name="x")
    W = ag.Tensor([[0.5], [-1.0]], name="W")
    loss = (x @ W).relu().sum()
    loss.backward()
    W.grad

The core (tensors, ops, the engine, derivatives) and the gradient checkers are imported here.
Everything else (graph pictures, plots, models, optimizers, the book's API, datasets, training)
is loaded on first use, so ``import autograd_lite`` stays light and the core never needs the rest.
"""

from importlib import import_module as _import_module

from . import copying as _copying  # noqa: F401 - registers Tensor's deep copies with copyreg
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
    WeightsWriteError,
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
from .tensor import Tensor, apply

__version__ = "0.1.0"

#: name -> the module (above the core) that defines it, imported on first use
_LAZY = {
    "plot_decision_boundary": "plotting", "plot_history": "plotting", "fit": "training",
    "draw_network": "viz", "render": "viz", "render_backward": "viz", "to_dot": "viz",
}
#: submodules loaded on first use: ``ag.nn``, ``ag.book`` ...
_SUBMODULES = ("book", "data", "nn", "optim", "functions", "testing", "viz", "plotting")


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(_import_module(f".{_LAZY[name]}", __name__), name)
    elif name in _SUBMODULES:
        value = _import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'autograd_lite' has no attribute {name!r}")
    globals()[name] = value  # found once, then an ordinary attribute
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))
