"""The drawing options, checked in one place for every public viz function.

``to_dot``, ``render``, ``render_backward`` and ``Tensor.to_dot``/``Tensor.render`` share the
options of :data:`DRAW_OPTIONS`; ``draw_network`` has its own. An option a function does not
know, or a value of the wrong kind, raises an :class:`InvalidArgumentError` that names the
function, the option and what it accepts, instead of Python's bare ``TypeError`` or a silent
default.
"""

from __future__ import annotations

import difflib
import functools
import inspect

import numpy as np

from ..errors import InvalidArgumentError
from ..tensor import Tensor

#: the options of ``to_dot`` (and so of ``render`` and the Tensor shortcuts), in signature order
DRAW_OPTIONS = ("values", "grads", "rankdir", "collapse", "max_nodes", "check", "legend", "title")


def reject_unknown(who: str, unknown: dict, accepted) -> None:
    """Raise for the options in ``unknown`` (keyword arguments ``who`` does not take)."""
    if not unknown:
        return
    names = sorted(unknown)
    shown = ", ".join(repr(n) for n in names)
    hint = ""
    close = difflib.get_close_matches(names[0], accepted, n=1)
    if close:
        hint = f" (did you mean {close[0]!r}?)"
    raise InvalidArgumentError(
        f"{who}: unknown option{'s' if len(names) > 1 else ''} {shown}{hint}; "
        f"the options are {', '.join(accepted)}"
    )


def named_options(who: str, explain=None):
    """Decorate a function so that an unknown keyword raises InvalidArgumentError naming it and
    the function's keyword-only options, instead of Python's TypeError. ``explain(unknown)``
    may raise a more specific error first. ``inspect.signature`` still shows the documented
    signature (it follows ``__wrapped__``)."""

    def decorate(func):
        params = inspect.signature(func).parameters
        known = {n for n, p in params.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
        accepted = tuple(n for n, p in params.items() if p.kind is p.KEYWORD_ONLY)

        @functools.wraps(func)
        def checked(*args, **kwargs):
            unknown = {k: v for k, v in kwargs.items() if k not in known}
            if unknown:
                if explain is not None:
                    explain(unknown)
                reject_unknown(who, unknown, accepted)
            return func(*args, **kwargs)

        return checked

    return decorate


def check_flag(who: str, name: str, value) -> None:
    """``value`` must be True or False (``values="no"`` would otherwise count as True)."""
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidArgumentError(
            f"{who}: {name} must be True or False, got {type(value).__name__} {value!r}"
        )


def check_title(who: str, title) -> None:
    if title is not None and not isinstance(title, str):
        raise InvalidArgumentError(
            f"{who}: title must be a str or None, got {type(title).__name__} {title!r}"
        )


def check_draw_options(who: str, roots, *, values, grads, rankdir, collapse, max_nodes, legend,
                       title) -> None:
    """Every option of :func:`to_dot` except ``check`` (checked when it is read)."""
    if not roots:
        raise InvalidArgumentError(f"{who}: give at least one Tensor to draw")
    for i, root in enumerate(roots):
        if not isinstance(root, Tensor):
            what = type(root).__name__
            hint = " (wrap it: ag.Tensor(array))" if isinstance(root, np.ndarray) else ""
            raise InvalidArgumentError(
                f"{who}: root {i} must be an autograd_lite.Tensor, got {what}{hint}"
            )
    for name, value in (("values", values), ("grads", grads), ("legend", legend)):
        check_flag(who, name, value)
    check_title(who, title)
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise InvalidArgumentError(
            f"{who}: rankdir must be one of 'LR', 'RL', 'TB', 'BT', got {rankdir!r}"
        )
    if collapse not in (None, "layer"):
        raise InvalidArgumentError(f"{who}: collapse must be None or 'layer', got {collapse!r}")
    bad_type = isinstance(max_nodes, bool) or not isinstance(max_nodes, (int, np.integer))
    if max_nodes is not None and (bad_type or max_nodes < 10):
        raise InvalidArgumentError(
            f"{who}: max_nodes must be None or an int of at least 10, got {max_nodes!r}"
        )
