"""What ``check_graph`` returns: ``NodeCheck`` (one node checked locally) and
``GraphCheckReport`` (all of them, inputs first), as a table or as HTML."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from ..errors import GradcheckError
from .report import GradcheckReport


@dataclass
class NodeCheck:
    """One node of a graph, checked locally: its op's backward against finite differences at
    the values the node saw. ``.tensor`` is the Tensor the node produced."""

    tensor: object
    label: str
    ok: bool
    max_abs_error: float
    max_rel_error: float
    message: str
    report: GradcheckReport | None = field(default=None, repr=False)

    @property
    def node(self):
        return self.tensor.node

    @property
    def scope(self) -> str:
        return self.tensor.node.scope


class GraphCheckReport:
    """The result of ``check_graph``: ``.nodes`` (a :class:`NodeCheck` per node, inputs before
    outputs), ``.failures`` (the failing ones) and ``.ok``."""

    def __init__(self, nodes, settings: str):
        self.nodes: list[NodeCheck] = list(nodes)
        self.settings = settings

    @property
    def ok(self) -> bool:
        return all(n.ok for n in self.nodes)

    @property
    def failures(self) -> list[NodeCheck]:
        return [n for n in self.nodes if not n.ok]

    def assert_ok(self) -> GraphCheckReport:
        """Raise :class:`~autograd_lite.GradcheckError` carrying this report unless ``ok``."""
        if not self.ok:
            raise GradcheckError(f"check_graph: {len(self.failures)} node(s) failed\n{self}", self)
        return self

    def __str__(self) -> str:
        status = "ok" if self.ok else f"{len(self.failures)} of {len(self.nodes)} node(s) FAILED"
        lines = [f"check_graph ({self.settings}): {len(self.nodes)} node(s), {status}"]
        width = max([len(_where(n)) for n in self.nodes] + [4])
        for i, n in enumerate(self.nodes):
            mark = "ok    " if n.ok else "FAILED"
            lines.append(f"{i:>3}  {_where(n).ljust(width)}  {mark}  {n.message}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<GraphCheckReport {len(self.nodes)} nodes, {len(self.failures)} failed>"

    def _repr_html_(self) -> str:
        rows = "".join(
            f'<tr style="color:{"#2e7d32" if n.ok else "#c62828"}"><td>{i}</td>'
            f"<td>{html.escape(_where(n))}</td><td>{'ok' if n.ok else 'FAILED'}</td>"
            f"<td>{html.escape(n.message)}</td></tr>"
            for i, n in enumerate(self.nodes)
        )
        return (
            f"<div><b>check_graph</b> ({html.escape(self.settings)})<table><thead><tr>"
            f"<th>#</th><th>node</th><th>status</th><th>message</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>"
        )


def _where(n: NodeCheck) -> str:
    scope = n.tensor.node.scope if n.tensor.node is not None else ""
    return f"{scope}/{n.label}" if scope else n.label
