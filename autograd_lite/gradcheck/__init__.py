"""Gradient verification: numerical gradients and the checkers users trust.

- :func:`numerical_gradient` - the book's central differences, on a safe copy.
- :func:`gradcheck` - a whole function of Tensors, every input, full or fast (random projections).
- :func:`check_op` - one op's local backward and the op contract.
- :func:`check_graph` - every node of a recorded graph, to find the wrong one.
- :func:`check_layer` - a hand-written book-style layer object.

See docs/gradcheck.md.
"""

from .function import gradcheck, numerical_gradient
from .graph import check_graph
from .graph_report import GraphCheckReport, NodeCheck
from .layer import check_layer
from .local import check_op
from .report import Check, GradcheckReport, InputCheck

__all__ = [
    "Check",
    "GradcheckReport",
    "GraphCheckReport",
    "InputCheck",
    "NodeCheck",
    "check_graph",
    "check_layer",
    "check_op",
    "gradcheck",
    "numerical_gradient",
]
