"""Recording modes: grad mode, anomaly detection and name scopes.

Each mode is a ``ContextVar`` set and reset by token, so a mode cannot leak between threads,
asyncio tasks or tests, even when the body of a ``with`` block raises.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

GRAD_ENABLED: ContextVar[bool] = ContextVar("autograd_lite_grad_enabled", default=True)
ANOMALY: ContextVar[bool] = ContextVar("autograd_lite_detect_anomaly", default=False)
#: The current name scope, nested scopes joined with "/" ("" outside any): kept joined, so an op
#: records it as it is.
SCOPE: ContextVar[str] = ContextVar("autograd_lite_name_scope", default="")


@contextmanager
def no_grad():
    """Inside this block ops record nothing: results have ``requires_grad=False`` and no node."""
    token = GRAD_ENABLED.set(False)
    try:
        yield
    finally:
        GRAD_ENABLED.reset(token)


@contextmanager
def enable_grad():
    """Turn recording back on inside a ``no_grad()`` block."""
    token = GRAD_ENABLED.set(True)
    try:
        yield
    finally:
        GRAD_ENABLED.reset(token)


def is_grad_enabled() -> bool:
    """True when ops record the graph (the default)."""
    return GRAD_ENABLED.get()


@contextmanager
def detect_anomaly():
    """Raise :class:`~autograd_lite.errors.AnomalyError` at the first op whose forward or
    backward produces NaN or inf, naming the op and the input. Slower; for debugging."""
    token = ANOMALY.set(True)
    try:
        yield
    finally:
        ANOMALY.reset(token)


@contextmanager
def name_scope(name: str):
    """Group the nodes recorded inside the block under ``name`` (nested scopes join with "/").

    The graph picture can draw each scope as one box: ``to_dot(loss, collapse="layer")``.
    """
    if not isinstance(name, str) or not name:
        from .errors import InvalidArgumentError

        raise InvalidArgumentError(f"name_scope: name must be a non-empty string, got {name!r}")
    token = SCOPE.set(inner_scope(SCOPE.get(), name))
    try:
        yield
    finally:
        SCOPE.reset(token)


def current_scope() -> str:
    """The current name scope as ``"outer/inner"``, or ``""`` outside any scope."""
    return SCOPE.get()


def inner_scope(outer: str, name: str) -> str:
    """The scope ``name`` opened inside ``outer``: ``"outer/name"``, or ``name`` at the top."""
    return f"{outer}/{name}" if outer else name
