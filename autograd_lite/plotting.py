"""Figures for training: learning curves (``plot_history``) and 2-D decision boundaries.

matplotlib is an optional extra, imported inside the functions. Figures are drawn on a
``matplotlib.figure.Figure`` with no pyplot, so no window ever opens, no global backend is
switched and nothing leaks between calls. Each file is written to a temporary file beside the
target and renamed into place, so an error never leaves half a picture. The format follows the
extension: ``.png``, ``.svg`` or ``.pdf``.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path

import numpy as np

from .errors import InvalidArgumentError, RenderError, ShapeError
from .extras import require
from .modes import no_grad
from .tensor import Tensor
from .viz.fonts import matplotlib_fallback

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
# Saturated colours for points and curves, light ones for regions (class k uses entry k).
COLORS = [
    "#d62728",
    "#1f77b4",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]


def plot_history(history, path, *, title: str | None = None) -> str:
    """Draw learning curves from ``ag.fit``'s History to ``path``; return the path as a str.

    Left panel: loss per epoch (training, solid; test, dashed). Right panel: accuracy (training
    solid, test dashed), when measured. ``history`` may also be a dict ``{label: History}`` to
    compare runs in one figure (one colour per run), e.g. with and without batch normalisation.
    """
    runs = _runs(history)
    target, fmt = _target(path, "plot_history")
    figure_cls = _figure_class("plot_history")
    has_acc = any(
        _present(getattr(h, "train_acc", [])) or _present(getattr(h, "test_acc", []))
        for h in runs.values()
    )
    fig = figure_cls(figsize=(10.0 if has_acc else 5.5, 4.0), layout="constrained")
    axes = fig.subplots(1, 2 if has_acc else 1, squeeze=False)[0]
    for i, (label, h) in enumerate(runs.items()):
        # One run: blue for training, orange for test. Several: one colour per run.
        train_color, test_color = (
            (COLORS[1], COLORS[3]) if len(runs) == 1 else (COLORS[i % len(COLORS)],) * 2
        )
        prefix = f"{label}: " if label else ""
        epochs = list(h.epoch)
        _curve(axes[0], epochs, h.loss, train_color, "-", f"{prefix}train")
        _curve(axes[0], epochs, getattr(h, "test_loss", []), test_color, "--", f"{prefix}test")
        if has_acc:
            _curve(axes[1], epochs, h.train_acc, train_color, "-", f"{prefix}train")
            _curve(axes[1], epochs, getattr(h, "test_acc", []), test_color, "--", f"{prefix}test")
    axes[0].set_title("loss")
    axes[0].set_ylabel("loss")
    if has_acc:
        axes[1].set_title("accuracy")
        axes[1].set_ylabel("accuracy")
        low = min(_finite_min(h, ("train_acc", "test_acc")) for h in runs.values())
        axes[1].set_ylim(max(0.0, min(low, 0.9) - 0.05), 1.005)
    for ax in axes:
        _style(ax)
        ax.set_xlabel("epoch")
    if title:
        fig.suptitle(title)
    return _save(fig, target, fmt, "plot_history")


def plot_decision_boundary(
    predict, x, t, path, *, title: str | None = None, resolution: int = 300
) -> str:
    """Colour the plane by ``predict``'s class and draw the points ``x`` with labels ``t``.

    The course's week 3 figure. ``x`` is (m, 2) (rows) or (2, m) (the course's columns);
    ``t`` is (m,), (m, 1) or (1, m). ``predict(X)`` gets an (M, 2) float array of grid points,
    one per row (as the course's ``lambda x: predict(parameters, x.T)``), and returns class
    labels — ints, bools or 0/1 floats, shape (M,), (M, 1) or (1, M) — or scores (M, K) whose
    argmax is the class. For a model with one logit: ``lambda X: model(X).data > 0``.
    Returns the path as a str.
    """
    if not callable(predict):
        raise InvalidArgumentError(
            f"plot_decision_boundary: predict must be callable, got {type(predict).__name__}"
        )
    points, labels = _points(x, t)
    if not (isinstance(resolution, int) and 10 <= resolution <= 2000):
        raise InvalidArgumentError(
            f"plot_decision_boundary: resolution must be an int in 10..2000, got {resolution!r}"
        )
    target, fmt = _target(path, "plot_decision_boundary")
    figure_cls = _figure_class("plot_decision_boundary")
    colors_mod = require("matplotlib.colors", "plot_decision_boundary", RenderError)
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = 0.1 * np.maximum(hi - lo, 1e-3)
    gx, gy = np.meshgrid(
        np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution),
        np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution),
    )
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    zone = _classes(predict, grid).reshape(gx.shape)
    k = int(max(zone.max(), labels.max())) + 1
    palette = [COLORS[i % len(COLORS)] for i in range(k)]
    cmap = colors_mod.ListedColormap(palette)
    norm = colors_mod.BoundaryNorm(np.arange(-0.5, k), k)
    fig = figure_cls(figsize=(5.5, 5.0), layout="constrained")
    ax = fig.subplots()
    ax.contourf(gx, gy, zone, levels=np.arange(-0.5, k), cmap=cmap, norm=norm, alpha=0.22)
    ax.contour(gx, gy, zone, levels=np.arange(0.5, k - 1), colors="#333333", linewidths=0.8)
    for c in range(k):
        mask = labels == c
        if mask.any():
            ax.scatter(
                points[mask, 0],
                points[mask, 1],
                s=18,
                color=palette[c],
                edgecolors="white",
                linewidths=0.5,
                label=f"class {c}",
                zorder=3,
            )
    accuracy = float(np.mean(_classes(predict, points) == labels))
    ax.set_title(title or f"decision boundary (accuracy {accuracy:.1%})")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="upper right", fontsize=8, framealpha=0.85)
    ax.set_aspect("equal", adjustable="box")
    return _save(fig, target, fmt, "plot_decision_boundary")


# ----- helpers ------------------------------------------------------------------------------
def _runs(history) -> dict:
    runs = history if isinstance(history, dict) else {"": history}
    if not runs:
        raise InvalidArgumentError("plot_history: the dict of histories is empty")
    for label, h in runs.items():
        where = f"history {label!r}" if label else "history"
        if not (hasattr(h, "epoch") and hasattr(h, "loss")):
            raise InvalidArgumentError(
                f"plot_history: {where} must be the History returned by ag.fit, got "
                f"{type(h).__name__}"
            )
        if len(h.epoch) == 0:
            raise InvalidArgumentError(f"plot_history: {where} has no epochs to draw")
    return runs


def _present(values) -> bool:
    return any(v is not None for v in values)


def _finite_min(h, names) -> float:
    values = [v for name in names for v in getattr(h, name, []) if v is not None]
    return min(values) if values else 1.0


def _curve(ax, epochs, values, color, style, label) -> None:
    values = list(values)
    if not _present(values):
        return
    y = [np.nan if v is None else v for v in values]
    marker = "o" if len(epochs) <= 30 else None
    ax.plot(
        epochs,
        y,
        linestyle=style,
        color=color,
        marker=marker,
        markersize=3.5,
        linewidth=1.6,
        label=label,
    )


def _style(ax) -> None:
    ax.grid(True, color="#dddddd", linewidth=0.7)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.xaxis.get_major_locator().set_params(integer=True)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, framealpha=0.85)


def _points(x, t):
    x = np.asarray(x.data if isinstance(x, Tensor) else x, dtype=np.float64)
    t = np.asarray(t.data if isinstance(t, Tensor) else t)
    if x.ndim == 2 and x.shape[1] == 2:
        points = x
    elif x.ndim == 2 and x.shape[0] == 2:
        points = x.T
    else:
        raise ShapeError(
            f"plot_decision_boundary: x has shape {x.shape}; expected (m, 2) points in rows or "
            "(2, m) in columns (the course's layout)"
        )
    m = points.shape[0]
    if t.size != m or (t.ndim == 2 and 1 not in t.shape) or t.ndim > 2:
        raise ShapeError(
            f"plot_decision_boundary: t has shape {t.shape} for {m} points; expected ({m},), "
            f"({m}, 1) or (1, {m})"
        )
    labels = t.reshape(m)
    if (
        labels.dtype.kind not in "biuf"
        or np.any(labels != np.round(labels))
        or (labels.size and labels.min() < 0)
    ):
        raise InvalidArgumentError("plot_decision_boundary: t must hold class indices 0, 1, ...")
    return points, labels.astype(np.int64)


def _classes(predict, grid: np.ndarray) -> np.ndarray:
    """predict's class for every row of ``grid``, as int64 (M,)."""
    with no_grad():
        out = predict(grid)
    out = np.asarray(out.data if isinstance(out, Tensor) else out)
    m = grid.shape[0]
    if out.ndim == 2 and out.shape[0] == m and out.shape[1] >= 2:
        return out.argmax(axis=1)
    if out.size != m or out.ndim > 2:
        raise ShapeError(
            f"plot_decision_boundary: predict returned shape {out.shape} for {m} points; "
            f"expected labels ({m},), ({m}, 1) or (1, {m}), or scores ({m}, K)"
        )
    out = out.reshape(m)
    if out.dtype.kind not in "biuf" or (out.dtype.kind == "f" and np.any(out != np.round(out))):
        raise InvalidArgumentError(
            "plot_decision_boundary: predict must return class labels, got non-integer values; "
            "for a one-logit model use lambda X: model(X).data > 0"
        )
    return out.astype(np.int64)


def _figure_class(who: str):
    return require("matplotlib.figure", who, RenderError).Figure


def _target(path, who: str):
    try:
        target = Path(os.fspath(path))
    except TypeError:
        raise InvalidArgumentError(
            f"{who}: path must be a str or a path, got {type(path).__name__}"
        ) from None
    if "\0" in str(target):
        raise RenderError(f"{who}: path {str(target)!r} is not a valid file name")
    fmt = FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise RenderError(
            f"{who}: cannot tell the format of {str(target)!r}; use a .png, .svg or .pdf name"
        )
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise RenderError(f"{who}: the folder {str(folder)!r} does not exist (for {str(target)!r})")
    return target, fmt


def _save(fig, target: Path, fmt: str, who: str) -> str:
    matplotlib_fallback(fig)  # Japanese titles and labels: the ja extra's font, if installed
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=130, facecolor="white")
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise RenderError(f"{who}: cannot write in {str(folder)!r}: {e.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(buffer.getvalue())
        os.chmod(tmp, 0o644)  # mkstemp makes the file private; a figure is an ordinary file
        os.replace(tmp, target)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise RenderError(f"{who}: cannot write {str(target)!r}: {e.strerror}") from None
    return str(target)
