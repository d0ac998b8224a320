"""``check_graph``: check every node of a recorded graph locally and say which one is wrong.

Each node's forward is recomputed from its inputs' ``.data`` and ``node.params`` (the residuals
may have been freed by ``backward()``), then its op is checked as ``check_op`` would, at exactly
the values the node saw.
"""

from __future__ import annotations

import numpy as np

from .. import checks as checks_
from ..engine import topological_order
from ..errors import InvalidArgumentError
from ..tensor import Tensor
from .graph_report import GraphCheckReport, NodeCheck
from .local import check_local, input_names
from .numeric import validate_settings
from .report import GradcheckReport


def check_graph(
    loss,
    *,
    eps: float = 1e-6,
    atol: float = 1e-8,
    rtol: float = 1e-6,
    seed: int = 0,
    mode: str = "auto",
) -> GraphCheckReport:
    """Check every node of the graph that made ``loss`` locally and say which one is wrong.

    Each node's forward is recomputed from its inputs' ``.data`` and ``node.params``, so this
    also works after ``backward()`` freed the graph. ``mode="auto"`` perturbs inputs of up to
    ``AUTO_FULL_LIMIT`` elements one by one and larger ones along random directions.
    """
    if not isinstance(loss, Tensor):
        raise InvalidArgumentError(f"check_graph: loss must be a Tensor, got {type(loss).__name__}")
    validate_settings("check_graph", eps, atol, rtol)
    if not isinstance(mode, str) or mode not in ("auto", "full", "fast"):
        raise InvalidArgumentError(
            f"check_graph: mode must be auto, full or fast, got {checks_.describe(mode)}"
        )
    rng = checks_.rng("check_graph", seed, "seed")
    order = topological_order(loss) if loss.requires_grad else []
    checks = []
    for tensor in order:
        node = tensor.node
        if node is None:
            continue
        arrays = [x.data if isinstance(x, Tensor) else np.asarray(x) for x in node.inputs]
        try:
            report = check_local(
                node.op,
                arrays,
                node.params,
                node.needs,
                rng,
                eps=eps,
                atol=atol,
                rtol=rtol,
                mode=mode,
                recorded=tensor.data,
            )
        except Exception as e:  # a forward that cannot be recomputed is this node's failure
            message = f"{node.label}: forward raised {type(e).__name__}: {e}"
            checks.append(NodeCheck(tensor, node.label, False, float("nan"), float("nan"), message))
            continue
        checks.append(_node_check(tensor, report))
    settings = f"eps={eps:.1e}, atol={atol:.1e}, rtol={rtol:.1e}, mode={mode}"
    return GraphCheckReport(checks, settings)


def _node_check(tensor, report: GradcheckReport) -> NodeCheck:
    node = tensor.node
    names = input_names(node.op, len(node.inputs))
    max_abs = max((c.max_abs_error for c in report.inputs), default=0.0)
    max_rel = max((c.max_rel_error for c in report.inputs), default=0.0)
    failures = report.failures
    if not failures:
        kinks = f", {report.n_kinks} judged at a kink" if report.n_kinks else ""
        message = f"{node.label}: ok, max abs error {max_abs:.1e}{kinks}"
    elif hasattr(failures[0], "n_checked"):
        first = failures[0]
        i = names.index(first.name)
        x = node.inputs[i]
        named = f" ({x.name})" if isinstance(x, Tensor) and x.name else ""
        message = (
            f"{node.label}: input {i}{named} gradient off, max abs error {first.max_abs_error:.1e}"
        )
    else:
        message = f"{node.label}: {failures[0].message}"
    return NodeCheck(tensor, node.label, not failures, max_abs, max_rel, message, report)
