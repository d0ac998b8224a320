"""Exporting (``to_dot``) and rendering (Graphviz ``dot``) a 1,000-node graph."""

from __future__ import annotations

import tempfile
from pathlib import Path

import autograd_lite as ag

from .chains import ag_chain
from .harness import time_once


def available(notes: list) -> bool:
    if not hasattr(ag, "to_dot"):
        notes.append("ag.to_dot not available yet, graph export benchmark skipped")
        return False
    return True


def measure(nodes: int, repeats: int) -> dict:
    """Seconds to export the chain's graph as DOT text, and to render it to SVG."""
    _, y = ag_chain(nodes)
    export = time_once(lambda: ag.to_dot(y).source, repeats)
    dot = ag.to_dot(y)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "chain.svg"
        render = time_once(lambda: dot.render(path), max(1, repeats // 3))
        size = path.stat().st_size
    return {"nodes": nodes, "to_dot seconds": export, "render seconds": render, "svg bytes": size}
