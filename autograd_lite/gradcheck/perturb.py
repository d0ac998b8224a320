"""Perturbing inputs for :func:`~autograd_lite.gradcheck.numeric.judge`: every element in
turn (full mode) or along random unit directions (fast mode), always restored afterwards."""

from __future__ import annotations

import numpy as np

from .numeric import Context, judge


def _bind(move, restore, evaluate, inner_eval):
    """``phi`` and ``inner`` for one perturbation ``move(t)``, undone by ``restore()``."""

    def phi(t):
        step = move(t)
        try:
            return np.array(evaluate(), dtype=np.float64), step
        finally:
            restore()

    if inner_eval is None:
        return phi, None

    def inner(ts):
        values, parents, shapes = [], None, None
        for t in ts:
            move(t)
            try:
                arrays, links = inner_eval()
            finally:
                restore()
            if parents is None:
                parents, shapes = links, [np.shape(x) for x in arrays]
            elif links != parents or [np.shape(x) for x in arrays] != shapes:
                return None  # the function took another path: nothing to compare
            values.append(arrays)
        return values, parents

    return phi, inner


def elementwise(work, evaluate, analytic, ctx: Context, inner_eval=None, tick=None) -> list:
    """Judge the slope of every element of ``work`` (moved in place and restored, also when
    ``evaluate`` raises); ``analytic`` holds the analytic slopes. Returns one Entry each."""
    flat = work.reshape(-1)  # a view: callers pass their own contiguous copies
    a_flat = np.asarray(analytic, dtype=np.float64).reshape(-1)
    entries = []
    for j in range(flat.size):
        original = flat[j]

        def move(t, j=j, original=original):
            flat[j] = original + t
            return float(flat[j]) - float(original)

        def restore(j=j, original=original):
            flat[j] = original

        phi, inner = _bind(move, restore, evaluate, inner_eval)
        h = ctx.prec.eps * max(1.0, abs(float(original)))
        entries.append(judge(phi, a_flat[j], h, ctx, inner))
        if tick is not None:
            tick()
    return entries


def directional(work, evaluate, analytic, ctx: Context, directions, inner_eval=None) -> list:
    """Judge the slope of ``evaluate()`` along each unit direction (one per row, ``work``'s
    shape flattened) against ``analytic`` (one projected slope per direction)."""
    original = work.copy()
    size = float(np.max(np.abs(original))) if original.size else 0.0
    entries = []
    for a, v in zip(np.asarray(analytic, dtype=np.float64), directions):
        v = v.reshape(work.shape)

        def move(t, v=v):
            np.copyto(work, original + t * v)
            return t

        phi, inner = _bind(move, lambda: np.copyto(work, original), evaluate, inner_eval)
        entries.append(judge(phi, a, ctx.prec.eps * max(1.0, size), ctx, inner))
    return entries
