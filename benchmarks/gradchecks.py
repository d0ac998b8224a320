"""``ag.gradcheck`` on the two-layer network: every element (full) vs random projections (fast).

The setting of the book's gradient check: 784-50-10, a batch of 3, float64.
"""

from __future__ import annotations

import numpy as np

import autograd_lite as ag

from .harness import time_once
from .training import batch, initial_params


def available(notes: list) -> bool:
    if not hasattr(ag, "gradcheck"):
        notes.append("ag.gradcheck not available yet, gradcheck benchmark skipped")
        return False
    return True


def measure(n: int, repeats_fast: int, sizes=None) -> dict:
    """Seconds for one full and one fast check, and whether both passed."""
    rng = np.random.default_rng(2)
    params = initial_params(rng, np.float64)
    if sizes is not None:  # smaller network for the smoke run
        d, h, k = sizes
        params = {"W1": params["W1"][:d, :h], "b1": params["b1"][:h],
                  "W2": params["W2"][:h, :k], "b2": params["b2"][:k]}
    x, t = batch(rng, n, np.float64)
    x = np.ascontiguousarray(x[:, : params["W1"].shape[0]])
    t = t % params["W2"].shape[1]

    def loss(W1, b1, W2, b2):
        return ag.softmax_with_loss(ag.affine(ag.relu(ag.affine(x, W1, b1)), W2, b2), t)

    inputs = [params[k] for k in ("W1", "b1", "W2", "b2")]
    reports = {}

    def run(mode):
        reports[mode] = ag.gradcheck(loss, inputs, mode=mode)

    fast = time_once(lambda: run("fast"), repeats_fast)
    full = time_once(lambda: run("full"), 1)
    return {
        "parameters": int(sum(p.size for p in inputs)),
        "full seconds": full,
        "fast seconds": fast,
        "full passed": bool(reports["full"].ok),
        "fast passed": bool(reports["fast"].ok),
    }
