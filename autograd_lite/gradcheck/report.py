"""The report objects: what a check found, per input and per node, as a table or as HTML.

``InputCheck``      one input (or parameter): errors, the worst element, kinks, its status.
``Check``           one structural property (linearity in g, no mutation, shapes, dtypes).
``GradcheckReport`` what ``gradcheck``, ``check_op`` and ``check_layer`` return.
``NodeCheck``       one node of a graph checked locally; ``GraphCheckReport`` all of them.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np

from ..errors import GradcheckError
from .numeric import INCONCLUSIVE_FACTOR, Precision

PASSED, FAILED, INCONCLUSIVE = "passed", "failed", "inconclusive"


@dataclass
class InputCheck:
    """The comparison of analytic and numerical gradients for one input or parameter.

    ``kind`` is ``"element"`` (full mode: one entry per element) or ``"direction"`` (fast mode:
    one entry per random unit direction ``v``, comparing ``grad . v`` with the numerical slope).
    Kinks (non-differentiable points) are excluded from the errors and counted in ``n_kinks``.
    """

    name: str
    shape: tuple
    dtype: str
    kind: str
    status: str
    n_checked: int
    n_kinks: int
    kink_indices: list
    max_abs_error: float
    max_rel_error: float
    rel_difference: float  # the course's ||g - g_num|| / (||g|| + ||g_num||)
    mean_abs_difference: float  # the book's mean |g - g_num|
    worst_index: tuple | int | None
    worst_numerical: float
    worst_analytic: float
    analytic: np.ndarray = field(repr=False)
    numerical: np.ndarray = field(repr=False)
    message: str = ""
    n_undefined: int = 0  # elements where f is not finite at x +- eps: nothing to compare

    @property
    def ok(self) -> bool:
        """False only when the gradient is wrong; inconclusive checks are not failures."""
        return self.status != FAILED

    def worst_text(self) -> str:
        if self.worst_index is None:
            return "-"
        where = f"dir {self.worst_index}" if self.kind == "direction" else str(self.worst_index)
        return f"{where}: {self.worst_numerical:.6g} vs {self.worst_analytic:.6g}"


@dataclass
class Check:
    """A structural property of a backward (linearity, shapes, no mutation) and its outcome."""

    name: str
    ok: bool
    message: str


def compare(
    name,
    analytic,
    numerical,
    kinks,
    prec: Precision,
    noise_slope: float,
    kind: str = "element",
    dtype=None,
    shape=None,
) -> InputCheck:
    """Compare analytic and numerical slopes elementwise: ``|a - n| <= atol + rtol * |n|``.

    For low-precision functions an error within ``INCONCLUSIVE_FACTOR`` times the tolerance plus
    the rounding noise ``noise_slope`` of one slope is inconclusive, not failed.
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numerical, dtype=np.float64)
    kinks = np.asarray(kinks, dtype=bool)
    undefined = ~np.isfinite(n) & ~kinks  # f is NaN or inf next to this point: no slope
    valid = ~kinks & ~undefined
    err = np.abs(a - n)
    allowed = prec.atol + prec.rtol * np.abs(n)
    bad = (err > allowed) | ~np.isfinite(a)
    if prec.limited:
        unsure = bad & (err <= INCONCLUSIVE_FACTOR * (allowed + noise_slope))
    else:
        unsure = np.zeros_like(bad)
    failed = bad & ~unsure & valid
    unsure &= valid
    count = int(valid.sum())
    if count:
        av, nv, ev = a[valid], n[valid], err[valid]
        denom = np.maximum(np.maximum(np.abs(av), np.abs(nv)), max(prec.atol, 1e-300))
        max_abs, max_rel = float(ev.max()), float((ev / denom).max())
        norm = float(np.linalg.norm(av) + np.linalg.norm(nv))
        rel_diff = float(np.linalg.norm(av - nv) / norm) if norm > 0 else 0.0
        mean_abs = float(ev.mean())
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.where(valid, err / allowed, -np.inf)
        score = np.where(np.isnan(score), np.inf, score)
        flat = int(np.argmax(score))
        worst = (
            flat if kind == "direction" else tuple(int(i) for i in np.unravel_index(flat, a.shape))
        )
        worst_n, worst_a = float(n.reshape(-1)[flat]), float(a.reshape(-1)[flat])
    else:
        max_abs = max_rel = rel_diff = mean_abs = 0.0
        worst, worst_n, worst_a = None, float("nan"), float("nan")
    if failed.any():
        status = FAILED
    elif unsure.any() or undefined.any() or (count == 0 and a.size > 0):
        status = INCONCLUSIVE
    else:
        status = PASSED
    kink_positions = np.flatnonzero(kinks.reshape(-1))[:10]
    kink_indices = [
        int(k) if kind == "direction" else tuple(int(i) for i in np.unravel_index(k, a.shape))
        for k in kink_positions
    ]
    check = InputCheck(
        name=name,
        shape=tuple(a.shape if shape is None else shape),
        dtype=str(dtype) if dtype is not None else "float64",
        kind=kind,
        status=status,
        n_checked=int(a.size),
        n_kinks=int(kinks.sum()),
        kink_indices=kink_indices,
        max_abs_error=max_abs,
        max_rel_error=max_rel,
        rel_difference=rel_diff,
        mean_abs_difference=mean_abs,
        worst_index=worst,
        worst_numerical=worst_n,
        worst_analytic=worst_a,
        analytic=a,
        numerical=n,
        n_undefined=int(undefined.sum()),
    )
    check.message = _input_message(check, int(failed.sum()), int(unsure.sum()))
    return check


def _input_message(c: InputCheck, n_failed: int, n_unsure: int) -> str:
    unit = "direction" if c.kind == "direction" else "element"
    if c.status == FAILED:
        return (
            f"{c.name}: gradient off at {n_failed} of {c.n_checked} {unit}(s), max abs error "
            f"{c.max_abs_error:.1e}; worst {c.worst_text()} (numerical vs analytic)"
        )
    if c.status == INCONCLUSIVE and n_unsure:
        return (
            f"{c.name}: {n_unsure} {unit}(s) differ by no more than the function's "
            f"floating-point precision can explain (max abs error {c.max_abs_error:.1e})"
        )
    if c.status == INCONCLUSIVE and c.n_undefined:
        return (
            f"{c.name}: f is NaN or inf within eps of {c.n_undefined} {unit}(s); "
            "they could not be compared"
        )
    if c.status == INCONCLUSIVE:
        return f"{c.name}: every {unit} is a non-differentiable point; nothing could be compared"
    kinks = f", {c.n_kinks} non-differentiable point(s) skipped" if c.n_kinks else ""
    return f"{c.name}: ok, max abs error {c.max_abs_error:.1e}{kinks}"


class GradcheckReport:
    """The result of ``gradcheck``, ``check_op`` or ``check_layer``.

    ``.ok`` (no failure), ``.status`` (``"passed"``, ``"failed"`` or ``"inconclusive"``),
    ``.inputs`` (one :class:`InputCheck` per checked input or parameter, also by name:
    ``report["W"]``), ``.checks`` (structural properties), ``.failures``, ``.notes``.
    ``print(report)`` shows a table; notebooks show ``_repr_html_``.
    """

    def __init__(self, title: str, mode: str, precision: Precision, inputs=(), checks=(), notes=()):
        self.title = title
        self.mode = mode
        self.precision = precision
        self.inputs: list[InputCheck] = list(inputs)
        self.checks: list[Check] = list(checks)
        self.notes: list[str] = list(notes)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.inputs) and all(c.ok for c in self.checks)

    @property
    def status(self) -> str:
        if not self.ok:
            return FAILED
        if any(c.status == INCONCLUSIVE for c in self.inputs):
            return INCONCLUSIVE
        return PASSED

    @property
    def failures(self) -> list:
        """The failing :class:`InputCheck` and :class:`Check` entries."""
        return [c for c in self.inputs if not c.ok] + [c for c in self.checks if not c.ok]

    @property
    def n_kinks(self) -> int:
        return sum(c.n_kinks for c in self.inputs)

    def __getitem__(self, name: str) -> InputCheck:
        for c in self.inputs:
            if c.name == name:
                return c
        raise KeyError(
            f"{self.title}: no input named {name!r}; inputs: {[c.name for c in self.inputs]}"
        )

    def summary(self) -> str:
        """One line: the title, the status and the first failure."""
        head = f"{self.title}: {self.status.upper()}"
        if self.failures:
            head += f" - {self.failures[0].message}"
            if len(self.failures) > 1:
                head += f" (and {len(self.failures) - 1} more)"
        return head

    def assert_ok(self) -> GradcheckReport:
        """Raise :class:`~autograd_lite.GradcheckError` carrying this report unless ``ok``."""
        if not self.ok:
            raise GradcheckError(f"{self.summary()}\n{self}", self)
        return self

    def _settings(self) -> str:
        p = self.precision
        return f"mode={self.mode}, eps={p.eps:.1e}, atol={p.atol:.1e}, rtol={p.rtol:.1e}"

    def rows(self) -> list[list[str]]:
        """The table as strings: a header row, then one row per input."""
        header = [
            "input",
            "shape",
            "status",
            "max abs",
            "max rel",
            "rel diff",
            "mean abs",
            "kinks",
            "worst (numerical vs analytic)",
        ]
        body = [
            [
                c.name,
                str(c.shape),
                c.status.upper() if c.status == FAILED else c.status,
                f"{c.max_abs_error:.1e}",
                f"{c.max_rel_error:.1e}",
                f"{c.rel_difference:.1e}",
                f"{c.mean_abs_difference:.1e}",
                str(c.n_kinks),
                c.worst_text(),
            ]
            for c in self.inputs
        ]
        return [header, *body]

    def __str__(self) -> str:
        lines = [f"{self.title} ({self._settings()}): {self.status.upper()}"]
        rows = self.rows()
        if len(rows) > 1:
            widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
            for r in rows:
                lines.append("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
        for c in self.checks:
            lines.append(f"{'ok    ' if c.ok else 'FAILED'} {c.name}: {c.message}")
        for c in self.inputs:
            if c.status != PASSED:
                lines.append(f"  {c.message}")
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<GradcheckReport {self.summary()}>"

    def _repr_html_(self) -> str:
        colour = {PASSED: "#2e7d32", FAILED: "#c62828", INCONCLUSIVE: "#ef6c00"}
        rows = self.rows()
        head = "".join(f"<th>{html.escape(h)}</th>" for h in rows[0])
        body = []
        for c, r in zip(self.inputs, rows[1:]):
            cells = "".join(f"<td>{html.escape(x)}</td>" for x in r)
            body.append(f'<tr style="color:{colour[c.status]}">{cells}</tr>')
        checks = "".join(
            f'<li style="color:{colour[PASSED if c.ok else FAILED]}">'
            f"{html.escape(c.name)}: {html.escape(c.message)}</li>"
            for c in self.checks
        )
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return (
            f"<div><b>{html.escape(self.title)}</b> ({html.escape(self._settings())}): "
            f'<b style="color:{colour[self.status]}">{self.status}</b>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"{f'<ul>{checks}</ul>' if checks else ''}{f'<ul>{notes}</ul>' if notes else ''}</div>"
        )


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
