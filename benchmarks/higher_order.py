"""A Hessian-vector product of the two-layer network's loss, by reverse over reverse.

The training benchmark's network (784-50-10, ReLU, softmax-with-loss), float64: the gradient of
``sum(grad loss(params) * v)`` with respect to the parameters, with ``create_graph=True`` for
the first pass; autograd_lite against PyTorch (``torch.autograd.grad``) when it is installed.
Both results are checked to agree before anything is timed.
"""

from __future__ import annotations

import numpy as np

import autograd_lite as ag

from .harness import Candidate, interleaved
from .training import batch, initial_params

KEYS = ("W1", "b1", "W2", "b2")


def ag_hvp(params: dict, x, t, v: dict):
    ps = [ag.Tensor(params[k], name=k) for k in KEYS]
    W1, b1, W2, b2 = ps
    loss = ag.softmax_with_loss(ag.affine(ag.relu(ag.affine(x, W1, b1)), W2, b2), t)
    grads = ag.grad(loss, ps, create_graph=True)
    dot = sum((g * v[k]).sum() for g, k in zip(grads, KEYS))
    return ag.grad(dot, ps, allow_unused=True)


def torch_hvp(params: dict, x, t, v: dict):
    import torch

    ps = [torch.tensor(params[k], requires_grad=True) for k in KEYS]
    W1, b1, W2, b2 = ps
    logits = torch.relu(x @ W1 + b1) @ W2 + b2
    loss = torch.nn.functional.cross_entropy(logits, t)
    grads = torch.autograd.grad(loss, ps, create_graph=True)
    dot = sum((g * v[k]).sum() for g, k in zip(grads, KEYS))
    return torch.autograd.grad(dot, ps, allow_unused=True)


def measure(n: int, rounds: int, with_torch: bool, notes: list, block_seconds: float) -> dict:
    """Median seconds per HVP for each system, and the largest difference between them."""
    rng = np.random.default_rng(3)
    params = initial_params(rng, np.float64)
    x, t = batch(rng, n, np.float64)
    v = {k: rng.normal(size=params[k].shape) for k in KEYS}
    candidates = [Candidate("autograd_lite", lambda: ag_hvp(params, x, t, v))]
    result = {"n": n}
    if with_torch:
        import torch

        tx, tt = torch.tensor(x), torch.tensor(t)
        tv = {k: torch.tensor(v[k]) for k in KEYS}
        ours = ag_hvp(params, x, t, v)
        theirs = torch_hvp(params, tx, tt, tv)
        result["max difference"] = max(
            float(np.max(np.abs(a - b.numpy()))) if b is not None else float(np.max(np.abs(a)))
            for a, b in zip(ours, theirs)
        )
        candidates.append(Candidate("PyTorch", lambda: torch_hvp(params, tx, tt, tv), "torch"))
    else:
        notes.append("PyTorch not installed: the Hessian-vector product has no PyTorch row")
    for c in interleaved(candidates, rounds, block_seconds):
        result[c.name] = float(np.median(c.times))
    return result


def table(r: dict) -> str:
    rows = ["| system | ms per HVP | ratio to PyTorch |", "|---|---|---|"]
    torch_time = r.get("PyTorch")
    for name in ("autograd_lite", "PyTorch"):
        if name in r:
            ratio = f"{r[name] / torch_time:.2f}" if torch_time else "-"
            rows.append(f"| {name} | {r[name] * 1e3:.2f} | {ratio} |")
    text = f"Batch {r['n']}, float64.\n\n" + "\n".join(rows)
    if "max difference" in r:
        text += f"\n\nLargest difference between the two results: {r['max difference']:.1e}."
    return text
