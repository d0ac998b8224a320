"""``ag.gradcheck`` on the two-layer network: every element (full) vs random projections (fast).

The setting of the book's gradient check: 784-50-10, a batch of 3, float64, default settings
(only the progress bar is switched off, so the output stays a table). Then fast mode on wider
networks: its evaluations of the loss do not grow with the number of parameters (O(1)), only
the cost of one evaluation does.
"""

from __future__ import annotations

import numpy as np

import autograd_lite as ag

from .harness import time_once
from .training import batch, initial_params

#: hidden sizes for the fast-mode rows (x 1, x 4, x 16 the parameters of the book's network)
WIDTHS = (50, 200, 800)


def available(notes: list) -> bool:
    if not hasattr(ag, "gradcheck"):
        notes.append("ag.gradcheck not available yet, gradcheck benchmark skipped")
        return False
    return True


def _network(rng, n: int, sizes):
    params = initial_params(rng, np.float64)
    if sizes is not None:  # smaller network for the smoke run
        d, h, k = sizes
        params = {"W1": params["W1"][:d, :h], "b1": params["b1"][:h],
                  "W2": params["W2"][:h, :k], "b2": params["b2"][:k]}
    x, t = batch(rng, n, np.float64)
    x = np.ascontiguousarray(x[:, : params["W1"].shape[0]])
    t = t % params["W2"].shape[1]
    return params, x, t


def _loss(x, t, calls):
    def loss(W1, b1, W2, b2):
        calls["n"] += 1
        return ag.softmax_with_loss(ag.affine(ag.relu(ag.affine(x, W1, b1)), W2, b2), t)

    return loss


def measure(n: int, repeats_fast: int, sizes=None) -> dict:
    """Seconds for one full and one fast check, whether both passed, and fast mode's
    evaluations of the loss and seconds on networks of growing width."""
    rng = np.random.default_rng(2)
    params, x, t = _network(rng, n, sizes)
    inputs = [params[k] for k in ("W1", "b1", "W2", "b2")]
    calls = {"n": 0}
    loss = _loss(x, t, calls)
    reports = {}

    def run(mode):
        reports[mode] = ag.gradcheck(loss, inputs, mode=mode, progress=False)

    fast = time_once(lambda: run("fast"), repeats_fast)
    full = time_once(lambda: run("full"), 1)
    widths = []
    d, k = params["W1"].shape[0], params["W2"].shape[1]
    for width in WIDTHS if sizes is None else (sizes[1], 4 * sizes[1]):
        wide = [0.01 * rng.standard_normal((d, width)), np.zeros(width),
                0.01 * rng.standard_normal((width, k)), np.zeros(k)]
        seconds = time_once(lambda wide=wide: ag.gradcheck(loss, wide, mode="fast"), repeats_fast)
        calls["n"] = 0
        ok = ag.gradcheck(loss, wide, mode="fast").ok
        widths.append((int(sum(p.size for p in wide)), calls["n"], seconds, ok))
    return {
        "parameters": int(sum(p.size for p in inputs)),
        "full seconds": full,
        "fast seconds": fast,
        "full passed": bool(reports["full"].ok),
        "fast passed": bool(reports["fast"].ok),
        "fast by size": widths,
    }


def table(r: dict) -> str:
    """The rows of ``python -m benchmarks``: the default full and fast checks of the book's
    network, then fast mode on wider networks (evaluations of the loss per check)."""
    lines = [
        "| check | parameters | evaluations of the loss | seconds | passed |",
        "|---|---|---|---|---|",
        f"| full (default) | {r['parameters']:,} | about 2 per element | "
        f"{r['full seconds']:.2f} | {r['full passed']} |",
        f"| fast | {r['parameters']:,} | - | {r['fast seconds']:.3f} | {r['fast passed']} |",
    ]
    for size, evaluations, seconds, ok in r["fast by size"]:
        lines.append(f"| fast, wider | {size:,} | {evaluations} | {seconds:.3f} | {ok} |")
    return "\n".join(lines)
