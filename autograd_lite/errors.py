"""The exception hierarchy.

Every error a user can meet derives from :class:`AutogradLiteError` *and* from the builtin that
fits it, so ``except ValueError`` keeps working for code that does not know this library.
Messages name the op or argument, what was expected and what came. The catalogue of every
message lives in ``docs/errors.md``.
"""

from __future__ import annotations


class AutogradLiteError(Exception):
    """Base class of every error raised on purpose by autograd_lite."""


class ShapeError(AutogradLiteError, ValueError):
    """Arrays whose shapes do not fit the op (matmul, affine, labels, broadcasting, gradients)."""


class DTypeError(AutogradLiteError, TypeError):
    """Data of the wrong kind: non-numeric data, gradients asked of integer data."""


class InvalidArgumentError(AutogradLiteError, ValueError):
    """An argument with a bad value: an axis out of range, labels out of range, a bad ratio."""


class BackwardError(AutogradLiteError, RuntimeError):
    """The backward pass cannot run: a freed graph, a non-scalar root without ``grad``, a bad op."""


class NotDifferentiableError(AutogradLiteError, TypeError):
    """A NumPy function with no differentiable op was used on a Tensor (its result would be cut
    off from the graph), or a Tensor that requires a gradient was turned into a NumPy array."""


class InPlaceError(AutogradLiteError, RuntimeError):
    """An in-place change (``W -= ...``, ``x[0] = 0``) to a tensor that requires a gradient."""


class AnomalyError(AutogradLiteError, FloatingPointError):
    """Raised inside ``detect_anomaly()`` at the first op that produces NaN or inf."""


class OpDefinitionError(AutogradLiteError, TypeError):
    """An ``Op`` subclass that breaks the op contract (no label, no domain, wrong methods)."""


class GradcheckError(AutogradLiteError, AssertionError):
    """A gradient check failed; ``.report`` carries the full report."""

    def __init__(self, message: str, report=None):
        super().__init__(message)
        self.report = report


class RenderError(AutogradLiteError, RuntimeError):
    """A graph picture could not be written (no working Graphviz backend, bad path or format)."""


class DatasetError(AutogradLiteError, ValueError):
    """A dataset file is corrupt or of the wrong format, or an optional package is absent."""


class DatasetNotFoundError(DatasetError, FileNotFoundError):
    """A dataset file the user pointed to does not exist (nothing is ever downloaded)."""


class WeightsError(AutogradLiteError, ValueError):
    """A weights file that does not match the model: missing or extra keys, shapes, dtypes."""


class WeightsWriteError(WeightsError, OSError):
    """A weights file that cannot be written: no permission, a full disk, a folder in the way."""


class ExpressionError(AutogradLiteError, ValueError):
    """A command-line expression that is not allowed or cannot be parsed."""
