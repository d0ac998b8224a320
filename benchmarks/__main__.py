"""``python -m benchmarks [--quick] [--results PATH] [--rounds N] [--only SECTION ...]``

Runs the sections, prints each table as it is done, and writes ``benchmarks/RESULTS.md``
(the full run) with the environment. ``--quick`` (or ``AUTOGRAD_LITE_BENCH_QUICK=1``) runs
tiny sizes for the CI smoke test and writes a results file only when ``--results`` is given.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

import numpy as np

from . import (
    chains,
    convnet,
    environment,
    gradchecks,
    harness,
    higher_order,
    pictures,
    report,
    training,
)

SECTIONS = ("training", "convnet", "per-node", "long-chains", "hvp", "gradcheck", "pictures")
RESULTS = Path(__file__).with_name("RESULTS.md")

FULL = {
    "batches": (1, 100, 1000), "rounds": 15, "chain": 1000, "long": (10_000, 100_000),
    "long repeats": 3, "gradcheck": {"n": 3, "repeats_fast": 3, "sizes": None},
    "picture nodes": 1000, "picture repeats": 3, "block": 0.02, "hvp batch": 100,
}
QUICK = {
    "batches": (1, 4), "rounds": 2, "chain": 100, "long": (200, 400), "long repeats": 1,
    "gradcheck": {"n": 2, "repeats_fast": 1, "sizes": (12, 5, 3)},
    "picture nodes": 20, "picture repeats": 1, "block": 0.002, "hvp batch": 4,
}


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[1])
    p.add_argument("--quick", action="store_true", help="tiny sizes (the CI smoke run)")
    p.add_argument("--results", type=Path, help=f"where to write the results (default {RESULTS} "
                   "for a full run, none for --quick)")
    p.add_argument("--rounds", type=int, help="interleaved rounds for the medians")
    p.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    p.add_argument("--threads", type=int, metavar="N",
                   help="limit NumPy's BLAS (threadpoolctl) and PyTorch to N threads; "
                   "default: as installed")
    p.add_argument("--malloc-as-is", action="store_true",
                   help="leave glibc's malloc thresholds alone (see harness.keep_freed_memory)")
    args = p.parse_args(argv)
    args.quick = args.quick or os.environ.get("AUTOGRAD_LITE_BENCH_QUICK", "") not in ("", "0")
    if args.results is None and not args.quick:
        args.results = RESULTS
    return args


def main(argv=None) -> int:
    args = parse(argv)
    sizes = dict(QUICK if args.quick else FULL)
    if args.rounds:
        sizes["rounds"] = args.rounds
    sections = args.only or SECTIONS
    env = environment.collect()
    if args.threads:
        env["Thread limit (--threads)"] = limit_threads(args.threads)
    env["Allocator"] = (
        "left as it is (--malloc-as-is)" if args.malloc_as_is else harness.keep_freed_memory()
    )
    notes: list[str] = []
    out: list[str] = []
    results: dict = {}
    torch_ok = _has_torch()
    started = time.perf_counter()

    def emit(title: str, text: str) -> None:
        block = f"## {title}\n\n{text}\n"
        print(block, flush=True)
        out.append(block)

    if "training" in sections:
        results["training"], results["training best"] = training.measure(
            sizes["batches"], (np.float64, np.float32), sizes["rounds"], notes, sizes["block"]
        )
        intro = (
            "784-50-10, ReLU, softmax-with-loss, one SGD step; medians of "
            f"{sizes['rounds']} interleaved rounds.\n\n"
        )
        emit("Training step: time relative to the book-style NumPy step (lower is faster)",
             intro + report.training_table(results["training"]))
        emit("Training step, best round (the least disturbed of the rounds)",
             report.training_table(results["training best"]))
    if "convnet" in sections:
        n = 100 if not args.quick else 4
        results["convnet"] = convnet.measure(n, sizes["rounds"], notes, sizes["block"])
        emit("Chapter 7 training step: SimpleConvNet, batch "
             f"{n}, (1, 28, 28), 30 filters 5x5, pool 2x2, hidden 100; medians of "
             f"{sizes['rounds']} interleaved rounds", convnet.table(results["convnet"]))
    if "per-node" in sections:
        results["per-node"], results["per-node best"] = chains.per_node(
            sizes["chain"], sizes["rounds"], torch_ok, sizes["block"]
        )
        emit("Per-node overhead", report.per_node_table(results["per-node"], sizes["chain"]))
        emit("Per-node overhead, best round",
             report.per_node_table(results["per-node best"], sizes["chain"]))
    if "long-chains" in sections:
        results["long-chains"] = {
            n: chains.long_chain(n, sizes["long repeats"], torch_ok) for n in sizes["long"]
        }
        emit("Long chains: forward + backward, peak memory",
             report.long_chain_table(results["long-chains"]))
    if "hvp" in sections:
        results["hvp"] = higher_order.measure(
            sizes["hvp batch"], sizes["rounds"], torch_ok, notes, sizes["block"]
        )
        emit("Hessian-vector product of the two-layer network's loss (reverse over reverse)",
             higher_order.table(results["hvp"]))
    if "gradcheck" in sections and gradchecks.available(notes):
        g = sizes["gradcheck"]
        results["gradcheck"] = gradchecks.measure(g["n"], g["repeats_fast"], g["sizes"])
        emit("gradcheck on the two-layer network: full vs fast",
             gradchecks.table(results["gradcheck"]))
    if "pictures" in sections and pictures.available(notes):
        results["pictures"] = pictures.measure(sizes["picture nodes"], sizes["picture repeats"])
        emit("Exporting and rendering a graph", report.pictures_table(results["pictures"]))

    checks = report.targets(results)
    if checks:
        title = "Targets (issue 7)" + (": quick sizes, not comparable" if args.quick else "")
        emit(title, report.targets_table(checks))
    if notes:
        emit("Notes", "\n".join(f"- {n}" for n in dict.fromkeys(notes)))
    elapsed = time.perf_counter() - started
    print(f"(benchmark ran for {elapsed:.0f} s)")
    if args.results is not None:
        write_results(args.results, env, out, elapsed, args)
        print(f"wrote {args.results}")
    return 0


def write_results(path: Path, env: dict, blocks: list, elapsed: float, args) -> None:
    env["Load average (1, 5, 15 min) at end"] = environment.load_average()
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python -m benchmarks{' --quick' if args.quick else ''}` on "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC "
        f"in {elapsed:.0f} s. Ratios are taken in one process; see docs/performance.md for "
        "the method and for where the time goes.",
        "",
        "## Environment",
        "",
    ]
    for key, value in env.items():
        if isinstance(value, list):
            lines.append(f"- {key}:")
            lines += [f"  - {v}" for v in value]
        else:
            lines.append(f"- {key}: {value}")
    lines.append("")
    path.write_text("\n".join(lines) + "\n" + "\n".join(blocks), encoding="utf-8")


def limit_threads(n: int) -> str:
    """Limit NumPy's BLAS and PyTorch to ``n`` threads for the whole run (a shared machine
    oversubscribed by other jobs makes multi-threaded BLAS calls wait for their threads)."""
    done = []
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        done.append("threadpoolctl not installed: BLAS threads not limited")
    else:
        threadpool_limits(n)
        done.append(f"BLAS limited to {n} thread(s) with threadpoolctl")
    if _has_torch():
        import torch

        torch.set_num_threads(n)
        done.append(f"torch.set_num_threads({n})")
    return "; ".join(done)


def _has_torch() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
