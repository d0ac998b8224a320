"""Japanese in pictures with pip alone: the font of the ``ja`` extra, for Graphviz and matplotlib.

``pip install "autograd-lite[ja]"`` (also pulled in by ``[demo]``) installs matplotlib-fontja,
which ships the IPAex Gothic font file. Nothing here imports that package (importing it
changes matplotlib's global font setting); only the font file is used:

- Graphviz (the ``dot`` program or the library bundled in pygraphviz) finds fonts through
  fontconfig. :func:`fontconfig_file` writes a configuration of autograd_lite's own, in its
  cache folder, that includes the system's configuration (or the one ``FONTCONFIG_FILE``
  names) and adds the font's folder. The renderers use it through ``FONTCONFIG_FILE`` while
  they draw; the user's own fontconfig files are never written. Pango then draws a character
  the label's font lacks (りんご, 消費税) with the first font that has it.
- matplotlib: :func:`matplotlib_fallback` gives the texts of a figure that need it the
  family list ``[their family..., "IPAexGothic"]`` (matplotlib's per-glyph font fallback).

:func:`glyphs_drawn` tells from pixels whether a picture shows glyphs or "tofu" boxes.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import tempfile
import threading
from pathlib import Path
from xml.sax.saxutils import escape

__all__ = [
    "FONT_PACKAGE", "japanese_font", "needs_cjk", "fontconfig_file", "fontconfig_environment",
    "matplotlib_fallback", "glyphs_drawn",
]

FONT_PACKAGE = "matplotlib_fontja"
FONT_FILE = "ipaexg.ttf"
JA_EXTRA = 'pip install "autograd-lite[ja]"'

#: where fontconfig looks when FONTCONFIG_FILE is not set (Linux, Homebrew on Intel and ARM)
SYSTEM_CONFS = ("/etc/fonts/fonts.conf", "/usr/local/etc/fonts/fonts.conf",
                "/opt/homebrew/etc/fonts/fonts.conf")

_ENV_LOCK = threading.Lock()


def japanese_font() -> Path | None:
    """The IPAex Gothic file of the ``ja`` extra, or None when it is not installed."""
    spec = importlib.util.find_spec(FONT_PACKAGE)  # found, not imported
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "fonts" / FONT_FILE
        if path.is_file():
            return path
    return None


def needs_cjk(text: str) -> bool:
    """Whether ``text`` has a character from the CJK blocks onwards (kana, kanji, full-width
    forms), which the default Latin fonts lack."""
    return any(ord(ch) >= 0x2E80 for ch in text)


def _cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "autograd_lite" / "fontconfig"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if os.access(folder, os.W_OK):
            return folder
    except OSError:
        pass
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    folder = Path(tempfile.gettempdir()) / f"autograd_lite-{uid}" / "fontconfig"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _system_conf(ours: Path) -> str | None:
    named = os.environ.get("FONTCONFIG_FILE")
    if named and Path(named).parent != ours:
        return named
    return next((conf for conf in SYSTEM_CONFS if os.path.isfile(conf)), None)


def fontconfig_file() -> str | None:
    """The path of autograd_lite's fontconfig configuration (written when it is missing or
    out of date), or None without the ``ja`` extra or when it cannot be written."""
    font = japanese_font()
    if font is None:
        return None
    try:
        folder = _cache_folder()
        system = _system_conf(folder)
        include = (f'  <include ignore_missing="yes">{escape(system)}</include>\n'
                   if system else "")
        text = (
            '<?xml version="1.0"?>\n'
            '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
            "<!-- Written by autograd_lite for its graph pictures: the system's\n"
            "     configuration plus the Japanese font of the ja extra.\n"
            "     Used only while autograd_lite draws. -->\n"
            "<fontconfig>\n"
            f"  <cachedir>{escape(str(folder / 'cache'))}</cachedir>\n"
            f"{include}"
            f"  <dir>{escape(str(font.parent))}</dir>\n"
            "</fontconfig>\n"
        )
        # One file per content: installs in several environments never rewrite each other's.
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
        path = folder / f"fonts-{digest}.conf"
        if not path.is_file():
            tmp = folder / f".{path.name}.{os.getpid()}.tmp"
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
        return str(path)
    except OSError:
        return None


@contextlib.contextmanager
def fontconfig_environment():
    """Within the block, ``FONTCONFIG_FILE`` names autograd_lite's configuration (when the
    ``ja`` extra is installed); the previous value is restored afterwards. Yields the
    environment to hand to a subprocess.

    The library bundled in pygraphviz reads its configuration once, at its first drawing in
    the process: autograd_lite draws every picture inside this block, so that first drawing
    already sees the font.
    """
    conf = fontconfig_file()
    if conf is None:
        yield dict(os.environ)
        return
    with _ENV_LOCK:
        before = os.environ.get("FONTCONFIG_FILE")
        os.environ["FONTCONFIG_FILE"] = conf
        try:
            yield dict(os.environ)
        finally:
            if before is None:
                os.environ.pop("FONTCONFIG_FILE", None)
            else:
                os.environ["FONTCONFIG_FILE"] = before


_REGISTERED: dict[str, str] = {}


def matplotlib_fallback(fig) -> bool:
    """Let every text of ``fig`` that needs it fall back to the Japanese font; True when some
    text needed it and the font is installed. Other texts and matplotlib's settings are left
    as they are."""
    from matplotlib import font_manager
    from matplotlib.text import Text

    texts = [t for t in fig.findobj(Text) if needs_cjk(t.get_text())]
    font = japanese_font() if texts else None
    if font is None:
        return False
    key = str(font)
    if key not in _REGISTERED:
        font_manager.fontManager.addfont(key)
        _REGISTERED[key] = font_manager.FontProperties(fname=key).get_name()
    family = _REGISTERED[key]
    for text in texts:
        families = list(text.get_fontfamily())
        if family not in families:
            text.set_fontfamily([*families, family])
    return True


def glyphs_drawn(image, ink_threshold: int = 128) -> bool:
    """Whether an image of the text ``一一一`` (three horizontal strokes) shows the glyphs.

    ``image`` is a 2-D array of grey levels (0 black .. 255 white) holding only that text. The
    real glyph is one thin horizontal stroke, so the ink is a wide, flat band; a missing glyph
    is drawn as a box (Pango's box shows the code point's hex digits, matplotlib's is empty),
    as tall as the line. Flat ink means glyphs.
    """
    import numpy as np

    ink = np.asarray(image) < ink_threshold
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    if rows.size == 0:
        return False
    height = rows[-1] - rows[0] + 1
    width = cols[-1] - cols[0] + 1
    return bool(width >= 6 * height)
