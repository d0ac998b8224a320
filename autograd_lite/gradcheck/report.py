"""The report objects: what a check found, per input and per node, as a table or as HTML.

``InputCheck``      one input (or parameter): errors, the worst element, kinks, its status.
``Check``           one structural property (linearity in g, no mutation, shapes, dtypes).
``GradcheckReport`` what ``gradcheck``, ``check_op`` and ``check_layer`` return.
(``NodeCheck`` and ``GraphCheckReport``, for ``check_graph``, are in graph_report.py.)
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np

from ..errors import GradcheckError
from .numeric import KINK, SMOOTH, UNDEFINED, UNJUDGED, Precision

PASSED, FAILED, INCONCLUSIVE, DEVIATES = "passed", "failed", "inconclusive", "deviates"
ZERO_NOTE = (
    "nothing was checked: all gradients are zero (dead ReLUs, or inputs f does not use), "
    "and the numerical slopes agree"
)
LISTED = 10  # indices listed per kind of special entry


@dataclass
class InputCheck:
    """The comparison of analytic and numerical gradients for one input or parameter.

    ``kind`` is ``"element"`` (full mode: one entry per element) or ``"direction"`` (fast mode:
    one entry per random unit direction ``v``, comparing ``grad . v`` with the numerical slope).
    Entries at a kink are judged against the one-sided derivatives (``n_kinks``,
    ``kink_indices``); entries crossing several kinks at once, or a kink hidden inside ``f``,
    are not judged (``n_unjudged``); entries where ``f`` is NaN or inf next to the point have no
    slope (``n_undefined``). Slopes are those of ``sum(G * f)`` for the random upstream gradient
    ``G``; ``upstream`` is ``G`` when ``f`` returns one number (divide by it for ``df/dx``).
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
    n_undefined: int = 0
    n_unjudged: int = 0
    unjudged_indices: list = field(default_factory=list)
    n_failed: int = 0
    allowed: np.ndarray = field(default=None, repr=False)  # the tolerance of each entry
    upstream: float | None = None

    @property
    def ok(self) -> bool:
        """False only when the gradient is wrong somewhere."""
        return self.status != FAILED

    def _where(self, index) -> str:
        return f"dir {index}" if self.kind == "direction" else str(index)

    def worst_text(self) -> str:
        if self.worst_index is None:
            return "-"
        where = self._where(self.worst_index)
        return f"{where}: {self.worst_numerical:.6g} vs {self.worst_analytic:.6g}"

    def worst_explained(self) -> str:
        """The worst entry in words, with the derivative of ``f`` itself when it is a scalar."""
        if self.worst_index is None:
            return "-"
        text = (
            f"{self._where(self.worst_index)}: numerical {self.worst_numerical:.6g} vs analytic "
            f"{self.worst_analytic:.6g}"
        )
        if self.upstream:
            g = self.upstream
            return text + (
                f", that is df/d{self.name} = {self.worst_numerical / g:.6g} vs "
                f"{self.worst_analytic / g:.6g} before the scaling by the random upstream "
                f"gradient G = {g:.4g}"
            )
        return text + " (slopes of sum(G * f) for the random upstream gradient G)"


@dataclass
class Check:
    """A structural property of a backward (linearity, shapes, no mutation) and its outcome.

    ``deviation`` marks a contract clause broken *on purpose* by a known design (the book's
    layers): it is reported apart from wrong derivatives."""

    name: str
    ok: bool
    message: str
    deviation: bool = False


def _index(flat: int, kind: str, shape) -> tuple | int:
    return flat if kind == "direction" else tuple(int(i) for i in np.unravel_index(flat, shape))


def compare(name, analytic, entries, kind="element", dtype=None, shape=None, upstream=None):
    """An :class:`InputCheck` from the analytic slopes and one numeric Entry per slope."""
    a = np.asarray(analytic, dtype=np.float64)
    flat_a = a.reshape(-1)
    kinds = np.array([e.kind for e in entries], dtype=np.int8)
    n = np.array([e.numerical for e in entries], dtype=np.float64).reshape(a.shape)
    allowed = np.array([e.error for e in entries], dtype=np.float64).reshape(a.shape)
    ok = np.array([e.ok for e in entries], dtype=bool)
    judged = (kinds == SMOOTH) | (kinds == KINK)
    failed = judged & ~ok
    flat_n = n.reshape(-1)
    if judged.any():
        av, nv = flat_a[judged], flat_n[judged]
        ev = np.abs(av - nv)
        ev = np.where(np.isfinite(ev), ev, np.inf)
        denom = np.maximum(np.maximum(np.abs(av), np.abs(nv)), 1e-300)
        max_abs, max_rel = float(ev.max()), float((ev / denom).max())
        norm = float(np.linalg.norm(av) + np.linalg.norm(nv))
        rel_diff = float(np.linalg.norm(av - nv) / norm) if norm > 0 else 0.0
        mean_abs = float(ev.mean())
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.abs(flat_a - flat_n) / allowed.reshape(-1)
        score = np.where(np.isnan(score), np.inf, score)
        score = np.where(judged, score, -np.inf)
        flat = int(np.argmax(score))
        worst = _index(flat, kind, a.shape)
        worst_n, worst_a = float(flat_n[flat]), float(flat_a[flat])
    else:
        max_abs = max_rel = rel_diff = mean_abs = 0.0
        worst, worst_n, worst_a = None, float("nan"), float("nan")
    if failed.any():
        status = FAILED
    elif a.size and not judged.any():
        status = INCONCLUSIVE
    else:
        status = PASSED
    listed = {
        code: [_index(int(k), kind, a.shape) for k in np.flatnonzero(kinds == code)[:LISTED]]
        for code in (KINK, UNJUDGED)
    }
    check = InputCheck(
        name=name,
        shape=tuple(a.shape if shape is None else shape),
        dtype=str(dtype) if dtype is not None else "float64",
        kind=kind,
        status=status,
        n_checked=int(a.size),
        n_kinks=int((kinds == KINK).sum()),
        kink_indices=listed[KINK],
        max_abs_error=max_abs,
        max_rel_error=max_rel,
        rel_difference=rel_diff,
        mean_abs_difference=mean_abs,
        worst_index=worst,
        worst_numerical=worst_n,
        worst_analytic=worst_a,
        analytic=a,
        numerical=n,
        n_undefined=int((kinds == UNDEFINED).sum()),
        n_unjudged=int((kinds == UNJUDGED).sum()),
        unjudged_indices=listed[UNJUDGED],
        n_failed=int(failed.sum()),
        allowed=allowed,
        upstream=upstream,
    )
    check.message = _input_message(check, int((failed & (kinds == KINK)).sum()))
    return check


def _listing(count: int, indices: list, kind: str) -> str:
    shown = ", ".join(f"dir {i}" if kind == "direction" else str(i) for i in indices)
    return shown + (", ..." if count > len(indices) else "")


def _input_message(c: InputCheck, failed_at_kinks: int) -> str:
    unit = "direction" if c.kind == "direction" else "element"
    extra = []
    if c.n_kinks:
        extra.append(
            f"{c.n_kinks} {unit}(s) at a kink, judged against the one-sided derivatives: "
            f"{_listing(c.n_kinks, c.kink_indices, c.kind)}"
        )
    if c.n_unjudged:
        extra.append(
            f"{c.n_unjudged} {unit}(s) not judged, because the step crosses several kinks at "
            f"once or a kink hidden inside f, where the chain rule's subgradients need not be "
            f"a derivative, or a kink too close to resolve (the slope changes with the step, "
            f"or smaller steps cannot confirm a near miss): "
            f"{_listing(c.n_unjudged, c.unjudged_indices, c.kind)}"
            + ("; mode='full' judges elements one at a time" if c.kind == "direction" else "")
        )
    if c.n_undefined:
        extra.append(f"{c.n_undefined} {unit}(s) not compared: f is NaN or inf next to them")
    tail = "".join(f"; {e}" for e in extra)
    if c.status == FAILED:
        at_kinks = f" ({failed_at_kinks} of them at a kink)" if failed_at_kinks else ""
        return (
            f"{c.name}: gradient off at {c.n_failed} of {c.n_checked} {unit}(s){at_kinks}, max "
            f"abs error {c.max_abs_error:.1e}; worst {c.worst_explained()}{tail}"
        )
    if c.status == INCONCLUSIVE:
        return f"{c.name}: nothing could be judged{tail}"
    return f"{c.name}: ok, max abs error {c.max_abs_error:.1e}{tail}"


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
        """``"failed"`` (a wrong derivative or a broken contract), ``"deviates"`` (every
        derivative right, a contract clause broken on purpose, as the book's layers do),
        ``"inconclusive"`` (an input where nothing could be judged) or ``"passed"``."""
        if not self.ok:
            if all(isinstance(c, Check) and c.deviation for c in self.failures):
                return DEVIATES
            return FAILED
        if any(c.status == INCONCLUSIVE for c in self.inputs):
            return INCONCLUSIVE
        return PASSED

    @property
    def nothing_checked(self) -> bool:
        """True when every analytic gradient is exactly zero (dead ReLUs, an unused input):
        the check passed, but it compared zeros with zeros."""
        return bool(self.inputs) and all(
            c.ok and not np.any(c.analytic) for c in self.inputs
        )

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
        if self.status == DEVIATES:
            return head + (
                " - every derivative is right; backward departs from the op contract on "
                "purpose: " + "; ".join(c.message for c in self.failures)
            )
        if self.nothing_checked:
            head += f" - {ZERO_NOTE}"
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
        if self.status == DEVIATES:
            lines.append(
                "every derivative is right; what is marked below is a deliberate departure "
                "from the op contract, not a wrong gradient"
            )
        if self.nothing_checked:
            lines.append(ZERO_NOTE)
        rows = self.rows()
        if len(rows) > 1:
            widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
            for r in rows:
                lines.append("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
        for c in self.checks:
            mark = "ok    " if c.ok else ("DEPART" if c.deviation else "FAILED")
            lines.append(f"{mark} {c.name}: {c.message}")
        for c in self.inputs:
            if c.status != PASSED or c.n_kinks or c.n_unjudged or c.n_undefined:
                lines.append(f"  {c.message}")
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<GradcheckReport {self.summary()}>"

    def _repr_html_(self) -> str:
        colour = {
            PASSED: "#2e7d32", FAILED: "#c62828", INCONCLUSIVE: "#ef6c00", DEVIATES: "#ef6c00"
        }
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
