"""What every demo shares: its command-line options, its output folder and its figure style.

Each demo runs as ``python demos/NAME.py [--out DIR] [--seed N] [--tiny]`` and writes its pictures
to ``out/demos/NAME/`` unless ``--out`` says otherwise. ``--tiny`` shrinks the experiment to a
smoke test (the CI runs every demo that way); the pictures are then real but rough.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # demos only write files; never open a window

import matplotlib.pyplot as plt  # noqa: E402

#: One colour per role, the same in every demo's figures.
COLORS = {
    "train": "#1f77b4",
    "test": "#d62728",
    "class0": "#d62728",
    "class1": "#1f77b4",
    "baseline": "#7f7f7f",
    "highlight": "#2ca02c",
}
#: Colours for a family of curves (optimizers, learning rates, initialisations), in order.
SERIES = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]

STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 130,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "lines.linewidth": 1.8,
}
plt.rcParams.update(STYLE)


def parser(name: str, description: str) -> argparse.ArgumentParser:
    """The options every demo takes; a demo adds its own to the returned parser."""
    p = argparse.ArgumentParser(
        prog=f"python demos/{name}.py",
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", default=None, help=f"output folder (default out/demos/{name}/)")
    p.add_argument("--seed", type=int, default=0, help="seed of the numpy Generator (default 0)")
    p.add_argument("--tiny", action="store_true", help="a seconds-long smoke-test version")
    return p


def out_dir(name: str, out=None) -> Path:
    """The demo's output folder, created if needed."""
    folder = Path(out) if out is not None else Path("out") / "demos" / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


#: graph pictures fit a screen: at most this many inches wide (1,584 pixels at 144 dpi)
GRAPH_MAX_INCHES = 11


def render_graph(root, path, **options) -> Path:
    """``ag.render(root, path, **options)``, scaled down (never up) to GRAPH_MAX_INCHES wide."""
    import autograd_lite as ag

    dot = ag.to_dot(root, **options)
    dot.digraph.attr("graph", size=f"{GRAPH_MAX_INCHES},{4 * GRAPH_MAX_INCHES}")
    dot.render(path)
    return Path(path)


def save(fig, path: Path) -> Path:
    """Write ``fig`` as PNG, close it, say where it went."""
    fig.savefig(path)
    plt.close(fig)
    print(f"wrote {path}")
    return path


class Stopwatch:
    """``with Stopwatch("demo"):`` prints the wall time of the block when it ends."""

    def __init__(self, what: str):
        self.what = what
        self.seconds = 0.0

    def __enter__(self):
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start
        if exc[0] is None:
            print(f"{self.what}: done in {self.seconds:.1f} s")
        return False


@contextlib.contextmanager
def session(name: str):
    """Run a demo's body: timed, and with one BLAS thread.

    The demos multiply small matrices, where BLAS threads only fight each other (and anything
    else on the machine) for the cores: one thread is several times faster here.
    """
    try:
        from threadpoolctl import threadpool_limits  # installed with scikit-learn
    except ImportError:  # pragma: no cover - the demo extra brings it
        limits = contextlib.nullcontext()
    else:
        limits = threadpool_limits(limits=1, user_api="blas")
    with limits, Stopwatch(name) as watch:
        yield watch


def heading(text: str) -> None:
    """A section heading in the demo's printed output."""
    print(f"\n== {text} " + "=" * max(0, 70 - len(text)))
