"""Progress for long full-mode checks: an estimate of the time first, then a bar (tqdm when
it is installed). A check of more than ``LONG`` elements announces itself."""

from __future__ import annotations

import sys

#: full-mode checks of more elements than this say how long they will take
LONG = 10_000
#: evaluations of f per element, on average (2, and 4 where the estimate is refined)
EVALUATIONS = 2.2


class Progress:
    """``tick()`` once per element; ``close()`` at the end. Silent unless switched on."""

    def __init__(self, bar=None):
        self.bar = bar

    @classmethod
    def start(cls, total: int, seconds_per_call: float, wanted: bool | None) -> Progress:
        if not (wanted or (wanted is None and total > LONG)):
            return cls()
        estimate = total * EVALUATIONS * seconds_per_call
        print(
            f"gradcheck: checking {total:,} elements one by one, about {EVALUATIONS:g} "
            f"evaluations of f each: roughly {_duration(estimate)}. mode='fast' checks a few "
            "random directions per input instead, in about the time of 20 evaluations",
            file=sys.stderr,
            flush=True,
        )
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return cls(_Dots(total))
        return cls(tqdm(total=total, unit="element", desc="gradcheck", file=sys.stderr))

    def tick(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class _Dots:
    """Without tqdm: a line at every 10 % of the elements."""

    def __init__(self, total: int):
        self.total, self.done, self.next = total, 0, max(total // 10, 1)

    def update(self, n: int) -> None:
        self.done += n
        if self.done >= self.next:
            print(f"gradcheck: {self.done:,} of {self.total:,} elements", file=sys.stderr,
                  flush=True)
            self.next += max(self.total // 10, 1)

    def close(self) -> None:
        pass


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(seconds, 0.1):.0f} s" if seconds >= 1 else "under a second"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
