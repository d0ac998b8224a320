"""Interleaved timing: every round times each candidate once, the report is the median.

Interleaving spreads the machine's noise (other processes, frequency changes) over all
candidates alike, so ratios taken in one run stay meaningful on a shared machine even when
the absolute times move. The garbage collector is left as the user has it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

#: seconds to pause when switching between thread pools (NumPy's BLAS <-> PyTorch), so the
#: threads of the one that just ran stop spinning before the other is timed. OpenBLAS threads
#: spin for about 0.1 s and Intel OpenMP's (PyTorch) for 0.2 s (KMP_BLOCKTIME) after their
#: last work; measured at batch 100, a 0.05 s pause left PyTorch at 2.7x the reference and
#: the NumPy steps after it slowed too, 0.2 s gave PyTorch 0.79x.
SETTLE_SECONDS = 0.25


#: True once :func:`keep_freed_memory` succeeded (subprocesses then do the same)
MALLOC_TUNED = False

#: glibc mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def keep_freed_memory(limit_bytes: int = 256 * 2**20) -> str:
    """Ask glibc's malloc to keep freed buffers for reuse instead of returning them to the OS.

    A training step frees and re-allocates the same few large arrays (784 x 50 gradients,
    the batch's activations). With glibc's default, dynamic thresholds, whether those come
    back from the heap or from fresh pages depends on the heap's layout, so one system in a
    process can page-fault on every step (about 120 faults per step at batch 1 here) while
    another, interleaved with it, does not. Raising the trim and mmap thresholds makes every
    system reuse its buffers, so the comparison measures the arithmetic and the bookkeeping,
    not the allocator's luck. Returns a description for the results file.
    """
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return "not glibc: allocator left as it is"
    trim = mallopt(_M_TRIM_THRESHOLD, limit_bytes)
    mmap = mallopt(_M_MMAP_THRESHOLD, limit_bytes)
    if trim != 1 or mmap != 1:
        return "glibc mallopt refused: allocator left as it is"
    global MALLOC_TUNED
    MALLOC_TUNED = True
    mb = limit_bytes // 2**20
    return f"glibc mallopt: trim and mmap thresholds {mb} MB (freed buffers are reused)"


@dataclass
class Candidate:
    """One system under test: ``run()`` performs one unit of work (a training step, a chain)."""

    name: str
    run: Callable[[], object]
    family: str = "numpy"  # "numpy" or "torch": whose thread pool the work uses
    times: list = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def calls_per_block(run: Callable[[], object], target_seconds: float) -> int:
    """How many calls make a timed block of about ``target_seconds`` (at least 1).

    The first calls of a fresh system are slow (allocations, caches), so the estimate comes
    from calls made after a few warm-up calls, never from the first one.
    """
    for _ in range(3):
        run()
    calls = 0
    start = time.perf_counter()
    while True:
        run()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= target_seconds / 4 or calls >= 1000:
            break
    return max(1, int(target_seconds / max(elapsed / calls, 1e-9)))


def interleaved(
    candidates: list[Candidate],
    rounds: int,
    block_seconds: float = 0.02,
    warmup_blocks: int = 2,
) -> list[Candidate]:
    """Time each candidate ``rounds`` times, rotating the order each round; fills ``.times``
    with seconds per call and returns the candidates."""
    sizes = {}
    for c in candidates:
        c.times = []
        sizes[c.name] = calls_per_block(c.run, block_seconds)
        for _ in range(warmup_blocks * sizes[c.name]):
            c.run()
    previous_family = None
    for r in range(rounds):
        shift = r % len(candidates)
        for c in candidates[shift:] + candidates[:shift]:
            if previous_family is not None and c.family != previous_family:
                time.sleep(SETTLE_SECONDS)
            previous_family = c.family
            n = sizes[c.name]
            run = c.run
            start = time.perf_counter()
            for _ in range(n):
                run()
            c.times.append((time.perf_counter() - start) / n)
    return candidates


def single_calls(run: Callable[[], object], repeats: int) -> list:
    """Wall times of ``repeats`` single calls (for work too long to loop in a block)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def time_once(run: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` single calls."""
    return statistics.median(single_calls(run, repeats))
