"""Per-node overhead: long chains of small ops, forward and backward.

The chain alternates ``y = y * 0.9`` and ``y = tanh(y)`` on an 8-element array, so each node's
arithmetic is tiny and the time is the engine's bookkeeping. Raw NumPy does the same
arithmetic by hand (forward, keeping the outputs, then the chain rule backward) as the floor.
"""

from __future__ import annotations

import gc
import json
import statistics
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np

import autograd_lite as ag

from . import harness
from .harness import Candidate, interleaved, single_calls

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


def per_node(nodes: int, rounds: int, with_torch: bool, block_seconds: float = 0.02) -> tuple:
    """({system: (forward us/node, forward+backward us/node)} from the medians of interleaved
    rounds, the same from the best round). raw NumPy and autograd_lite are interleaved in one
    fresh interpreter, PyTorch runs in another (see :func:`long_chain` for why)."""
    medians, best = _in_subprocess("per_node_local", "numpy+ag", nodes, rounds, block_seconds)
    if with_torch:
        torch_medians, torch_best = _in_subprocess(
            "per_node_local", "torch", nodes, rounds, block_seconds
        )
        medians.update(torch_medians)
        best.update(torch_best)
    return _pairs(medians), _pairs(best)


def per_node_local(systems: str, nodes: int, rounds: int, block_seconds: float) -> tuple:
    """Per-call medians and best rounds in us/node, in this interpreter."""
    if systems == "torch":
        candidates = [
            Candidate("PyTorch fwd", lambda: torch_chain(nodes), "torch"),
            Candidate("PyTorch fwd+bwd", lambda: torch_forward_backward(nodes), "torch"),
        ]
    else:
        candidates = [
            Candidate("raw NumPy fwd", lambda: numpy_forward(nodes)),
            Candidate("raw NumPy fwd+bwd", lambda: numpy_forward_backward(nodes)),
            Candidate("autograd_lite fwd", lambda: ag_chain(nodes)),
            Candidate("autograd_lite fwd+bwd", lambda: ag_forward_backward(nodes)),
        ]
    interleaved(candidates, rounds, block_seconds, warmup_blocks=1)
    medians = {c.name: c.median * 1e6 / nodes for c in candidates}
    best = {c.name: min(c.times) * 1e6 / nodes for c in candidates}
    return medians, best


def _pairs(times: dict) -> dict:
    out = {}
    for system in ("raw NumPy", "autograd_lite", "PyTorch"):
        if f"{system} fwd" in times:
            out[system] = (times[f"{system} fwd"], times[f"{system} fwd+bwd"])
    return out


def long_chain(nodes: int, repeats: int, with_torch: bool) -> dict:
    """Time (s) of forward+backward (median and best of ``repeats``), and the peak traced
    memory per node (bytes).

    Each system runs in a fresh interpreter that imports only what it needs: a full garbage
    collection scans every live object, and PyTorch's import alone adds about 140,000 of them,
    which would slow autograd_lite's collections in a process that had imported it.
    """
    result = _in_subprocess("measure_chain", "ag", nodes, repeats)
    if with_torch:
        torch = _in_subprocess("measure_chain", "torch", nodes, repeats)
        result["torch seconds"] = torch["seconds"]
    return result


def _in_subprocess(function: str, *args):
    """Call ``benchmarks.chains.<function>(*args)`` in a fresh interpreter; its JSON result."""
    setup = "from benchmarks.harness import keep_freed_memory; keep_freed_memory(); "
    code = (
        (setup if harness.MALLOC_TUNED else "")
        + f"import json; from benchmarks.chains import {function}; "
        + f"print(json.dumps({function}(*{args!r})))"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_chain(system: str, nodes: int, repeats: int) -> dict:
    """The long-chain measurement inside the fresh interpreter (see :func:`long_chain`)."""
    run = ag_forward_backward if system == "ag" else torch_forward_backward
    run(min(nodes, 1000))  # warm-up
    times = single_calls(lambda: run(nodes), repeats)
    result = {"seconds": statistics.median(times), "best seconds": min(times)}
    if system == "ag":
        result["bytes per node"] = peak_bytes(lambda: run(nodes)) / nodes
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
