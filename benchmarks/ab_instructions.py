"""Instructions per node and per training step, this tree against an earlier commit.

Timings on a shared 2-core machine move by tens of percent with the load; the number of
instructions executed does not. This counts them with ``valgrind --tool=callgrind`` for the
per-node chain (``x * 0.9``, ``tanh``) and the batch-1 two-layer training step, for the package
in this tree and for the package at ``REV`` (extracted with ``git archive`` and imported under
another name), and prints both, per unit of work (a run with the work minus a run without).

    python -m benchmarks.ab_instructions [REV]      (default REV: 5580f6d, before issue 12)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WORK = {
    "chain": """
def work():
    x = ag.Tensor(np.linspace(-1, 1, 8)); y = x
    for _ in range(500):
        y = (y * 0.9).tanh()
    y.backward(np.ones(8))
UNITS = 1000  # nodes
""",
    "step": """
rng = np.random.default_rng(0)
W1 = ag.Tensor(rng.normal(size=(784, 50)) * 0.01); b1 = ag.Tensor(np.zeros(50))
W2 = ag.Tensor(rng.normal(size=(50, 10)) * 0.01); b2 = ag.Tensor(np.zeros(10))
x = rng.normal(size=(1, 784)); t = np.array([3]); params = [W1, b1, W2, b2]
def work():
    loss = ag.softmax_with_loss(ag.affine(ag.relu(ag.affine(x, W1, b1)), W2, b2), t)
    for p in params: p.grad = None
    loss.backward()
    for p in params: p.data -= 0.1 * p.grad
UNITS = 1  # steps
""",
}


def _count(code: str, path: str) -> int:
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
         "-c", code], capture_output=True, text=True, cwd=path,
        env={**os.environ, "PYTHONHASHSEED": "0"})  # the same hashes, the same count
    match = re.search(r"Collected : (\d+)", out.stderr)
    if not match:
        raise RuntimeError(f"callgrind gave no count: {out.stderr[-500:]}")
    return int(match.group(1))


def per_unit(package: str, path: str, kind: str) -> float:
    head = f"import sys; sys.path.insert(0, {path!r}); import numpy as np; import {package} as ag\n"
    body = head + WORK[kind] + "work()\n"
    repeats = 4 if kind == "chain" else 100
    base = _count(body, path)
    more = _count(body + f"for _ in range({repeats}): work()\n", path)
    units = 1000 if kind == "chain" else 1
    return (more - base) / repeats / units


def main(argv=None) -> int:
    rev = (argv or sys.argv[1:] or ["5580f6d"])[0]
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", rev, "autograd_lite"], cwd=ROOT,
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        old = Path(tmp) / "autograd_lite"
        for f in old.rglob("*.py"):  # importable beside this tree's package
            f.write_text(re.sub(r"\bautograd_lite\b", "autograd_lite_old", f.read_text()))
        old.rename(Path(tmp) / "autograd_lite_old")
        print(f"| work | {rev} | this tree | ratio |\n|---|---|---|---|")
        for kind in WORK:
            a = per_unit("autograd_lite_old", tmp, kind)
            b = per_unit("autograd_lite", str(ROOT), kind)
            unit = "per node" if kind == "chain" else "per batch-1 step"
            print(f"| {unit} | {a:,.0f} | {b:,.0f} | {b / a:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
