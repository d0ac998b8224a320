"""Per-node overhead: long chains of small ops, forward and backward.

The chain alternates ``y = y * 0.9`` and ``y = tanh(y)`` on an 8-element array, so each node's
arithmetic is tiny and the time is the engine's bookkeeping. Raw NumPy does the same
arithmetic by hand (forward, keeping the outputs, then the chain rule backward) as the floor.
"""

from __future__ import annotations

import gc
import statistics
import tracemalloc

import numpy as np

import autograd_lite as ag

from .harness import Candidate, interleaved, single_calls, time_once

SIZE = 8


def _start() -> np.ndarray:
    return np.linspace(-1.0, 1.0, SIZE)


def ag_chain(nodes: int):
    """Build the chain with autograd_lite; returns (input, output)."""
    x = ag.Tensor(_start(), name="x")
    y = x
    for _ in range(nodes // 2):
        y = (y * 0.9).tanh()
    return x, y


def ag_forward_backward(nodes: int) -> None:
    _, y = ag_chain(nodes)
    y.backward(np.ones(SIZE))


def numpy_forward(nodes: int) -> list:
    y = _start()
    outputs = []
    for _ in range(nodes // 2):
        y = np.tanh(y * 0.9)
        outputs.append(y)
    return outputs


def numpy_forward_backward(nodes: int) -> np.ndarray:
    g = np.ones(SIZE)
    for y in reversed(numpy_forward(nodes)):
        g = g * (1.0 - y * y)  # tanh
        g = g * 0.9  # the multiplication
    return g


def torch_chain(nodes: int):
    import torch

    x = torch.linspace(-1.0, 1.0, SIZE, dtype=torch.float64, requires_grad=True)
    y = x
    for _ in range(nodes // 2):
        y = torch.tanh(y * 0.9)
    return x, y


def torch_forward_backward(nodes: int) -> None:
    import torch

    _, y = torch_chain(nodes)
    y.backward(torch.ones(SIZE, dtype=torch.float64))


def per_node(nodes: int, rounds: int, with_torch: bool, block_seconds: float = 0.02) -> dict:
    """{system: (forward us/node, forward+backward us/node)}, medians of interleaved rounds,
    and {system: (...)} for the best round."""
    candidates = [
        Candidate("raw NumPy fwd", lambda: numpy_forward(nodes)),
        Candidate("raw NumPy fwd+bwd", lambda: numpy_forward_backward(nodes)),
        Candidate("autograd_lite fwd", lambda: ag_chain(nodes)),
        Candidate("autograd_lite fwd+bwd", lambda: ag_forward_backward(nodes)),
    ]
    if with_torch:
        candidates += [
            Candidate("PyTorch fwd", lambda: torch_chain(nodes), "torch"),
            Candidate("PyTorch fwd+bwd", lambda: torch_forward_backward(nodes), "torch"),
        ]
    interleaved(candidates, rounds, block_seconds, warmup_blocks=1)
    medians = {c.name: c.median * 1e6 / nodes for c in candidates}
    best = {c.name: min(c.times) * 1e6 / nodes for c in candidates}
    return _pairs(medians), _pairs(best)


def _pairs(times: dict) -> dict:
    out = {}
    for system in ("raw NumPy", "autograd_lite", "PyTorch"):
        if f"{system} fwd" in times:
            out[system] = (times[f"{system} fwd"], times[f"{system} fwd+bwd"])
    return out


def long_chain(nodes: int, repeats: int, with_torch: bool) -> dict:
    """Time (s) of forward+backward (median and best of ``repeats``), and the peak traced
    memory per node (bytes)."""
    times = single_calls(lambda: ag_forward_backward(nodes), repeats)
    result = {"seconds": statistics.median(times), "best seconds": min(times)}
    if with_torch:
        result["torch seconds"] = time_once(lambda: torch_forward_backward(nodes), repeats)
    result["bytes per node"] = peak_bytes(lambda: ag_forward_backward(nodes)) / nodes
    return result


def peak_bytes(run) -> int:
    """Peak memory traced while ``run()`` builds its graph and runs backward (tracemalloc sees
    Python objects and NumPy's data buffers)."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - base
