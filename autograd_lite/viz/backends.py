"""Rendering DOT to files: the system ``dot`` when it works, else the Graphviz library bundled
in the ``pygraphviz`` wheel, so ``pip install autograd-lite`` alone draws pictures.

Files are written to a temporary file in the target folder and moved into place with
``os.replace``, so a failed render never leaves half a file. Nothing is printed:

- Graphviz's own warnings and errors go to a message handler of ours (``agseterrf`` of the
  bundled cgraph library), so they can go into the error if drawing fails; standard error is
  not touched, and what other threads print there is never lost.
- The bundled fontconfig prints warnings from C straight to file descriptor 2 when it first
  reads its configuration, so the *first* draw of the process (and only it) runs with that
  descriptor pointed at a temporary file.

Both backends draw with autograd_lite's fontconfig configuration when the ``ja`` extra is
installed, so Japanese labels show their glyphs (``fonts.py``).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from ..errors import RenderError
from .fonts import fontconfig_environment

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}
#: resolution of PNG output (Graphviz's default of 72 dpi looks blurry on today's screens)
PNG_DPI = 144

INSTALL_HINT = (
    "install one of: `pip install pygraphviz` (its wheel bundles Graphviz; on platforms without "
    "a wheel it needs the Graphviz headers), or the Graphviz program `dot` "
    "(`apt-get install graphviz`, `brew install graphviz`, `conda install graphviz`)"
)

_STDERR_LOCK = threading.Lock()


def format_of(path) -> str:
    """The output format for ``path`` from its extension, or a RenderError naming the choices."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise RenderError(
            f"render: cannot tell the format of {str(path)!r} from its extension "
            f"{suffix or '(none)'!r}; use one of {', '.join(FORMATS)}"
        )
    return FORMATS[suffix]


def _system_dot(source: str, fmt: str) -> bytes:
    exe = shutil.which("dot")
    if exe is None:
        raise FileNotFoundError("no `dot` program on PATH")
    args = [exe, f"-T{fmt}"]
    if fmt == "png":
        args.append(f"-Gdpi={PNG_DPI}")
    with fontconfig_environment() as env:
        done = subprocess.run(args, input=source.encode("utf-8"), capture_output=True,
                              timeout=120, check=False, env=env)
    if done.returncode != 0 or not done.stdout:
        err = done.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"`{exe}` exited with {done.returncode}: {err}")
    return done.stdout


@contextlib.contextmanager
def _quiet_fd2():
    """Send everything written to file descriptor 2 (by C code too) to a temporary file.

    Yields a list that receives the captured text when the block ends.
    """
    captured = []
    with _STDERR_LOCK, tempfile.TemporaryFile() as sink:
        with contextlib.suppress(AttributeError, ValueError):
            sys.stderr.flush()
        try:
            saved = os.dup(2)
        except OSError:  # no descriptor 2 at all (a daemon): nothing can be printed anyway
            yield captured
            return
        os.dup2(sink.fileno(), 2)
        try:
            yield captured
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            captured.append(sink.read().decode("utf-8", "replace"))


_ERRF = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p)
_CGRAPH: list = []  # [the cgraph library, or None when it cannot be found]
_FONTCONFIG_READY = []  # non-empty once a draw has initialised fontconfig


def _cgraph(pygraphviz):
    """The cgraph library pygraphviz uses (the wheel's bundled copy, else the system's)."""
    if not _CGRAPH:
        here = os.path.dirname(pygraphviz.__file__)
        paths = sorted(glob.glob(os.path.join(here, os.pardir, "pygraphviz.libs", "libcgraph*")))
        name = paths[0] if paths else ctypes.util.find_library("cgraph")
        lib = None
        with contextlib.suppress(OSError, AttributeError, TypeError):
            lib = ctypes.CDLL(name)
            lib.agseterrf.argtypes = [ctypes.c_void_p]
            lib.agseterrf.restype = ctypes.c_void_p
        _CGRAPH.append(lib)
    return _CGRAPH[0]


@contextlib.contextmanager
def _graphviz_messages(pygraphviz):
    """Collect Graphviz's warnings and errors in a list instead of printing them."""
    messages: list = []
    lib = _cgraph(pygraphviz)
    if lib is None:
        yield messages
        return

    def handler(text):
        messages.append(text.decode("utf-8", "replace") if text else "")
        return 0

    callback = _ERRF(handler)
    previous = lib.agseterrf(ctypes.cast(callback, ctypes.c_void_p))
    try:
        yield messages
    finally:
        lib.agseterrf(previous)


def _pygraphviz(source: str, fmt: str) -> bytes:
    import pygraphviz  # noqa: PLC0415 - optional backend, imported on use

    first = contextlib.nullcontext([]) if _FONTCONFIG_READY else _quiet_fd2()
    lock = _STDERR_LOCK if _FONTCONFIG_READY else contextlib.nullcontext()
    with fontconfig_environment(), lock, first as captured:
        with _graphviz_messages(pygraphviz) as messages:
            try:
                graph = pygraphviz.AGraph(string=source)
                args = f"-Gdpi={PNG_DPI}" if fmt == "png" else ""
                data = graph.draw(format=fmt, prog="dot", args=args)
            except Exception as e:  # pygraphviz raises several types; report them all alike
                error = e
            else:
                error = None
        _FONTCONFIG_READY.append(True)
    if error is not None or not data:
        text = "".join(messages + captured).strip()
        raise RuntimeError(f"pygraphviz: {error or 'no output'}{': ' + text if text else ''}")
    return data


BACKENDS = (("system dot", _system_dot), ("pygraphviz", _pygraphviz))


def pipe(source: str, fmt: str) -> bytes:
    """``source`` drawn as ``fmt`` by the first backend that works, or a RenderError."""
    if fmt == "dot":
        return source.encode("utf-8")
    failures = []
    for name, backend in BACKENDS:
        try:
            return backend(source, fmt)
        except ImportError:
            failures.append(f"{name}: not installed")
        except (OSError, RuntimeError, subprocess.SubprocessError) as e:
            failures.append(f"{name}: {e}")
    raise RenderError(
        "render: no Graphviz backend could draw the graph (" + "; ".join(failures) + "). "
        + INSTALL_HINT
    )


def check_target(path) -> Path:
    """The target as a Path, after checking its format and that its folder is writable."""
    if not isinstance(path, (str, os.PathLike)):
        raise RenderError(f"render: path must be a str or os.PathLike, got {type(path).__name__}")
    if "\0" in os.fspath(path):
        raise RenderError(f"render: path {os.fspath(path)!r} is not a valid file name")
    path = Path(path)
    format_of(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise RenderError(f"render: {str(path)!r} is a folder; give a file name like graph.png")
    if not folder.is_dir():
        raise RenderError(f"render: the folder {str(folder)!r} does not exist (for {str(path)!r})")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise RenderError(f"render: the folder {str(folder)!r} is not writable (for {str(path)!r})")
    return path


def _umask() -> int:
    """The process umask: read from /proc on Linux (setting it, even briefly, is not
    thread-safe), else by setting and restoring it."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as f:
        for line in f:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then move it into place.

    The temporary file is private (mode 0600); the picture gets the usual mode for a new file
    (0666 less the umask), like any file the user writes.
    """
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise RenderError(f"render: cannot write in {str(folder)!r}: {e.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise RenderError(f"render: cannot write {str(path)!r}: {e.strerror}") from None


def write(source: str, path) -> str:
    """Draw DOT ``source`` to ``path`` (format from the extension); returns the path as str."""
    target = check_target(path)
    data = pipe(source, format_of(target))
    write_bytes_atomic(target, data)
    return str(target)


def render(root_or_roots, path, **options) -> str:
    """Write the graph picture of a tensor (or a list of tensors) to ``path`` and return it.

    The format comes from the extension: .png, .svg, .pdf, or .dot/.gv for the DOT text.
    ``options`` are those of :func:`autograd_lite.to_dot`; an unknown one raises
    InvalidArgumentError naming it. Works with no system Graphviz.
    """
    from .dot import build_dot
    from .options import DRAW_OPTIONS, reject_unknown

    reject_unknown("render", {k: v for k, v in options.items() if k not in DRAW_OPTIONS},
                   DRAW_OPTIONS)
    check_target(path)
    roots = root_or_roots if isinstance(root_or_roots, (list, tuple)) else (root_or_roots,)
    return build_dot(roots, who="render", **options).render(path)
