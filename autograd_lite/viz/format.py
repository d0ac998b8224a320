"""Text for graph labels: numbers as a person writes them, arrays, shapes, and HTML escaping.

Every label is a Graphviz HTML-like label, so the only characters with a meaning are ``&``,
``<``, ``>`` and ``"``; :func:`html` escapes them, drops control characters and turns newlines
into separate lines. Quotes, braces and non-ASCII (Japanese) text need nothing more.
"""

from __future__ import annotations

import math

import numpy as np

#: significant digits for a single number (a scalar tensor, a loss) and for array entries
SCALAR_DIGITS = 8
ARRAY_DIGITS = 4
#: significant digits of the min · mean · max line of a large array (kept short: it is one line)
SUMMARY_DIGITS = 3
#: arrays with at most this many elements (and at most 2 axes) are shown in full
FULL_ARRAY_MAX = 12
#: entries per line of a 1-D array shown in full
ROW_ENTRIES = 6
#: magnitudes inside [SMALL, LARGE) are written without an exponent
SMALL, LARGE = 1e-4, 1e6


def fmt_number(x, digits: int = SCALAR_DIGITS) -> str:
    """``-3.75``, ``715``, ``1.1``, ``220`` (not ``220.00000000000003``), ``1.5e-07``.

    Rounds to ``digits`` significant digits and drops trailing zeros; an exponent appears only
    for magnitudes below 1e-4 or from 1e6 on.
    """
    if isinstance(x, (bool, np.bool_)):
        return "1" if x else "0"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0.0:
        return "0"
    magnitude = abs(x)
    rounded = float(f"{x:.{digits - 1}e}")
    if SMALL <= abs(rounded) < LARGE:
        decimals = max(0, digits - 1 - math.floor(math.log10(magnitude)))
        text = _strip_zeros(f"{x:.{decimals}f}")
        return "0" if text in ("-0", "0") else text
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    return f"{_strip_zeros(mantissa)}e{int(exponent)}"


def _strip_zeros(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def fmt_shape(shape: tuple) -> str:
    """``(2, 3)``; ``()`` reads as ``scalar``."""
    if len(shape) == 0:
        return "scalar"
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(d) for d in shape) + ")"


_DTYPE_NAMES: dict = {}


def fmt_dtype(dtype) -> str:
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = str(np.dtype(dtype))
    return name


def is_finite(array: np.ndarray) -> bool:
    """False when a float array holds NaN or inf (integer and boolean arrays are finite)."""
    array = np.asarray(array)
    if array.dtype.kind not in "fc":
        return True
    if array.ndim == 0:
        return math.isfinite(array.real) and math.isfinite(array.imag)
    return bool(np.isfinite(array).all())


def fmt_array(array) -> list[str]:
    """Lines of text for an array: a scalar exactly, a small array in full with aligned columns,
    a larger one as ``min · mean · max`` (its shape is shown beside it)."""
    a = np.asarray(array)
    if a.ndim == 0:
        return [fmt_number(a.item())]
    if a.size <= FULL_ARRAY_MAX and a.ndim <= 2:
        return _full(a)
    return [_summary(a)]


def _entry(v) -> str:
    return fmt_number(v, ARRAY_DIGITS)


def _full(a: np.ndarray) -> list[str]:
    if a.ndim == 1:
        # rows of ROW_ENTRIES entries, so a (10,) bias does not make its box a screen wide
        cells = [_entry(v) for v in a.tolist()]
        rows = [", ".join(cells[i:i + ROW_ENTRIES]) for i in range(0, len(cells), ROW_ENTRIES)]
        if len(rows) <= 1:
            return ["[" + (rows[0] if rows else "") + "]"]
        return (["[" + rows[0] + ","] + [" " + row + "," for row in rows[1:-1]]
                + [" " + rows[-1] + "]"])
    rows = [[_entry(v) for v in row] for row in a.tolist()]
    if not rows or not rows[0]:
        return ["[]"]
    widths = [max(len(row[j]) for row in rows) for j in range(len(rows[0]))]
    lines = []
    for i, row in enumerate(rows):
        body = ", ".join(cell.rjust(w) for cell, w in zip(row, widths))
        opening = "[[" if i == 0 else " ["
        closing = "]]" if i == len(rows) - 1 else "],"
        lines.append(opening + body + closing)
    return lines


def _summary(a: np.ndarray) -> str:
    if a.size == 0:
        return "empty"
    if a.dtype.kind == "b":
        a = a.astype(np.int64)
    values = a.astype(np.float64) if a.dtype.kind in "iu" else a
    finite = values[np.isfinite(values)] if values.dtype.kind in "fc" else values
    parts = []
    if finite.size:
        low, mean, high = (fmt_number(f, SUMMARY_DIGITS)
                           for f in (finite.min(), finite.mean(), finite.max()))
        parts.append(f"min {low} · mean {mean} · max {high}")
    n_nan = int(np.isnan(values).sum()) if values.dtype.kind in "fc" else 0
    n_inf = int(np.isinf(values).sum()) if values.dtype.kind in "fc" else 0
    if n_nan:
        parts.append(f"{n_nan} NaN")
    if n_inf:
        parts.append(f"{n_inf} inf")
    return " · ".join(parts)


def fmt_param(value) -> str:
    """An op's keyword parameter as short text (``axis=0``, ``shape=(2, 3)``, ``index=0:2``)."""
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            return "[" + ", ".join(_entry(v) for v in value.ravel().tolist()) + "]"
        return f"array{fmt_shape(value.shape)}"
    if isinstance(value, slice):
        parts = ["" if p is None else str(p) for p in (value.start, value.stop, value.step)]
        return ":".join(parts[:2] if value.step is None else parts)
    if isinstance(value, tuple):
        return "(" + ", ".join(fmt_param(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, float):
        return fmt_number(value)
    if value is Ellipsis:
        return "..."
    return str(value)


def _html_table() -> dict:
    table = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;"}
    for code in (*range(32), 127):
        table[code] = " " if chr(code) in "\t\r\n" else f"\\x{code:02x}"
    # A lone surrogate (a name decoded with errors="surrogateescape") cannot be written as
    # UTF-8: it is shown as its escape, so .dot files and pictures can always be written.
    for code in range(0xD800, 0xE000):
        table[code] = f"\\u{code:04x}"
    return table


_HTML = _html_table()


def html(text) -> str:
    """Escape text for a Graphviz HTML-like label (one line; see :func:`html_lines`): markup
    characters become entities, control characters and lone surrogates visible escapes."""
    return str(text).translate(_HTML)


def html_lines(text) -> list[str]:
    """Escaped lines of ``text``: a name with newlines becomes several label lines."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    return [html(line) for line in text.split("\n")]
