"""autograd_lite's benchmark suite: ``python -m benchmarks`` (or ``make bench``).

Every number is a ratio taken in one process against a hand-written NumPy baseline, measured
interleaved (each round runs every system once, in rotating order) after a warm-up, with the
median over rounds; garbage collection stays on, as users have it. See docs/performance.md.
"""
