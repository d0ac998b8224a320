"""``autograd-lite doctor``: what is installed, which graph renderer really works, which BLAS
NumPy uses, and exactly what to install for anything missing."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# (distribution, import name, what it is for, install command)
REQUIRED = (
    ("numpy", "numpy", "arrays", "pip install numpy"),
    ("graphviz", "graphviz", "builds the DOT text of graph pictures", "pip install graphviz"),
    ("pygraphviz", "pygraphviz", "draws PNG/SVG with its bundled Graphviz (no system install)",
     "pip install pygraphviz"),
)
OPTIONAL = (
    ("matplotlib", "matplotlib", "learning curves (train, ag.plot_history)"),
    ("scikit-learn", "sklearn", "the embedded digits dataset (the default of train)"),
    ("tqdm", "tqdm", "progress bars in ag.fit"),
    ("h5py", "h5py", "the course's cat .h5 files (ag.data.load_catvnoncat)"),
    ("pillow", "PIL", "the animated GIF of ag.render_backward"),
    ("matplotlib-fontja", "matplotlib_fontja", "Japanese text in pictures (the ja extra)"),
    ("hypothesis", "hypothesis", "property tests (autograd_lite.testing)"),
    ("pytest", "pytest", "running the test suite"),
)
DEMO_EXTRA = 'pip install "autograd-lite[demo]"'
JA_EXTRA = 'pip install "autograd-lite[ja]"'
TEST_EXTRA = 'pip install "autograd-lite[test]"'
TEST_ONLY = {"hypothesis", "pytest"}
#: found, not imported: importing matplotlib_fontja changes matplotlib's global font setting
NOT_IMPORTED = {"matplotlib_fontja"}
#: three horizontal strokes: glyphs make a flat band of ink, missing ones tall boxes
JA_PROBE = "一一一"


def _version(dist: str, module: str):
    """The installed version of ``dist`` (or None), after checking that ``module`` imports."""
    try:
        if module in NOT_IMPORTED:
            if importlib.util.find_spec(module) is None:
                raise ImportError(f"No module named {module!r}")
        else:
            importlib.import_module(module)
    except Exception as e:  # an installed but broken package is reported, not fatal
        return None, f"{type(e).__name__}: {e}"
    try:
        return importlib.metadata.version(dist), None
    except importlib.metadata.PackageNotFoundError:
        mod = sys.modules.get(module)
        return getattr(mod, "__version__", "unknown version"), None


def _tiny_graph_source() -> str:
    import autograd_lite as ag

    x = ag.Tensor(2.0, name="x")
    y = ag.Tensor(3.0, name="y")
    z = x * y + x
    z.backward()
    return ag.to_dot(z, values=True, grads=True).source


def check_backends() -> list[tuple[str, bool, str]]:
    """Draw a tiny graph to a temporary PNG with every backend: (name, works, detail)."""
    try:
        from ..viz.backends import BACKENDS
        source = _tiny_graph_source()
    except Exception as e:  # the graph package itself is missing or broken
        return [("DOT export", False, f"{type(e).__name__}: {e}")]
    results = []
    with tempfile.TemporaryDirectory(prefix="autograd-lite-doctor-") as folder:
        for name, backend in BACKENDS:
            path = Path(folder) / f"{name.replace(' ', '_')}.png"
            start = time.perf_counter()
            try:
                data = backend(source, "png")
                path.write_bytes(data)
            except (ImportError, FileNotFoundError) as e:
                results.append((name, False, f"not installed ({e})"))
                continue
            except Exception as e:  # report every failure of a backend in the same way
                results.append((name, False, f"{type(e).__name__}: {e}".strip()))
                continue
            seconds = time.perf_counter() - start
            if path.read_bytes()[:8] == PNG_MAGIC:
                results.append((name, True, f"drew a {len(data):,}-byte PNG in {seconds:.2f} s"))
            else:
                results.append((name, False, "wrote a file that is not a PNG"))
    return results


def _grey(png: bytes):
    import io

    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("L"))


def check_japanese() -> list[tuple[str, bool | None, str]]:
    """Draw a Japanese string with the graph renderer and with matplotlib and look at the
    pixels: (what, glyphs came out (None: could not check), detail)."""
    from ..viz.fonts import glyphs_drawn, japanese_font

    font = japanese_font()
    where = f"IPAex Gothic ({font})" if font else "no Japanese font from the ja extra"
    results = []
    try:
        import PIL  # noqa: F401 - the pixels are read with pillow
    except ImportError:
        return [("graph pictures", None, "not checked (reading the pixels needs pillow)")]
    from ..viz.backends import pipe

    source = (f'digraph {{ node [shape=plaintext fontname="Helvetica" fontsize=28]; '
              f'a [label="{JA_PROBE}"]; }}')
    try:
        ok = glyphs_drawn(_grey(pipe(source, "png")))
        results.append(("graph pictures", ok, where if ok else f"empty boxes; {where}"))
    except Exception as e:  # no backend: already reported above
        results.append(("graph pictures", None, f"not checked ({type(e).__name__})"))
    try:
        import numpy as np
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from ..viz.fonts import matplotlib_fallback
    except ImportError:
        results.append(("plots", None, "not checked (matplotlib is not installed)"))
        return results
    fig = Figure(figsize=(3, 1), dpi=100)
    fig.text(0.1, 0.4, JA_PROBE, fontsize=28)
    matplotlib_fallback(fig)
    canvas = FigureCanvasAgg(fig)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Glyph ... missing from font(s)": reported below
        canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    ok = glyphs_drawn(rgba[..., :3].mean(axis=2))
    results.append(("plots", ok, where if ok else f"empty boxes; {where}"))
    return results


def blas_lines() -> list[str]:
    """Which BLAS NumPy was built with, and what threadpoolctl sees at run time."""
    import numpy as np

    lines = []
    try:
        config = np.show_config(mode="dicts")
        for role in ("blas", "lapack"):
            info = config.get("Build Dependencies", {}).get(role, {})
            if info:
                name, version = info.get("name", "?"), info.get("version", "")
                lines.append(f"{role:<15} {name} {version} (NumPy build)".rstrip())
    except Exception as e:  # older NumPy has no mode="dicts"
        lines.append(f"numpy build config unavailable ({type(e).__name__}: {e})")
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        lines.append("threadpoolctl  not installed (pip install threadpoolctl shows thread counts)")
    else:
        for pool in threadpool_info():
            if pool.get("user_api") == "blas":
                lines.append(
                    f"{'loaded':<15} {pool.get('internal_api')} {pool.get('version')}, "
                    f"{pool.get('num_threads')} threads, {pool.get('architecture') or '?'} "
                    f"({os.path.basename(pool.get('filepath') or '?')})"
                )
    return lines


def run_doctor(args, out=None) -> int:
    """Print the report; exit status 0 when graph pictures can be drawn, 1 when they cannot."""
    import autograd_lite

    out = sys.stdout if out is None else out
    todo = []
    w = 15

    def say(text=""):
        print(text, file=out)

    say("autograd-lite doctor")
    say()
    say("Versions")
    say(f"  {'python':<{w}} {platform.python_version()} ({sys.executable})")
    say(f"  {'platform':<{w}} {platform.platform()}")
    where = os.path.dirname(autograd_lite.__file__)
    say(f"  {'autograd_lite':<{w}} {autograd_lite.__version__} ({where})")
    for dist, module, purpose, install in REQUIRED:
        version, problem = _version(dist, module)
        if version is None:
            say(f"  {dist:<{w}} MISSING ({problem}) - {purpose}")
            todo.append(install)
        else:
            say(f"  {dist:<{w}} {version:<12} {purpose}")
    say()
    say("Optional packages (extras)")
    missing_demo = missing_test = False
    wide = max(w, *(len(dist) for dist, _, _ in OPTIONAL))
    for dist, module, purpose in OPTIONAL:
        version, _ = _version(dist, module)
        status = version if version else "not installed"
        say(f"  {dist:<{wide}} {status:<12} {purpose}")
        if version is None:
            if dist in TEST_ONLY:
                missing_test = True
            else:
                missing_demo = True
    if missing_demo:
        todo.append(DEMO_EXTRA)
    if missing_test:
        todo.append(TEST_EXTRA)
    say()
    say("Graph rendering (a tiny graph drawn to a temporary PNG with each backend)")
    results = check_backends()
    for name, works, detail in results:
        state = "works" if works else ("-" if detail.startswith("not installed") else "fails")
        say(f"  {name:<{w}} {state}: {detail}" if state != "-" else f"  {name:<{w}} {detail}")
    working = [name for name, works, _ in results if works]
    if working:
        say(f"  -> ag.render uses: {working[0]}")
    else:
        say("  -> no backend works: graph pictures cannot be drawn (DOT text still can)")
        todo.append("pip install --force-reinstall pygraphviz   "
                    "(or install the Graphviz program: apt-get install graphviz / "
                    "brew install graphviz / conda install graphviz)")
    say()
    say(f"Japanese text (the string {JA_PROBE} drawn, its pixels read)")
    for what, ok, detail in check_japanese():
        state = "not checked" if ok is None else ("glyphs" if ok else "FAILS")
        say(f"  {what:<{w}} {state}: {detail}" if ok is not None else f"  {what:<{w}} {detail}")
        if ok is False:
            todo.append(f"{JA_EXTRA}   (Japanese names, titles and labels)")
    say()
    say("BLAS")
    for line in blas_lines():
        say(f"  {line}")
    say()
    if todo:
        say("To install")
        for command in dict.fromkeys(todo):
            say(f"  {command}")
    else:
        say("Everything is installed; graph pictures and Japanese text can be drawn.")
    return 0 if working else 1
