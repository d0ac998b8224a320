"""Interleaved timing: every round times each candidate once, the report is the median.

Interleaving spreads the machine's noise (other processes, frequency changes) over all
candidates alike, so ratios taken in one run stay meaningful on a shared machine even when
the absolute times move. The garbage collector is left as the user has it.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

#: seconds to pause when switching between thread pools (NumPy's BLAS <-> PyTorch), so the
#: threads of the one that just ran stop spinning before the other is timed
SETTLE_SECONDS = 0.05


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
    """How many calls make a timed block of about ``target_seconds`` (at least 1)."""
    start = time.perf_counter()
    run()
    once = time.perf_counter() - start
    return max(1, int(target_seconds / max(once, 1e-7)))


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


def time_once(run: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` single calls (for work too long to loop in a block)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
