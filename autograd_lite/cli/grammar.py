"""The grammar of the command-line expressions: what is allowed, and how refused parts are
named in messages. :mod:`.expr` checks and walks the tree with these tables."""

from __future__ import annotations

import ast
import difflib
import numbers

import numpy as np

from .. import functions as F
from ..tensor import Tensor

FUNCTIONS = {
    name: getattr(F, name)
    for name in (
        "add", "sub", "mul", "div", "neg", "pow", "matmul", "affine", "relu", "leaky_relu",
        "sigmoid", "tanh", "exp", "log", "sum", "mean", "max", "reshape", "transpose",
        "broadcast_to", "softmax", "softmax_with_loss", "sigmoid_with_loss",
        "mean_squared_error",
    )
}
METHODS = ("sum", "mean", "max", "reshape", "transpose", "exp", "log", "relu", "sigmoid", "tanh")
PROPERTIES = ("T",)
MAX_LENGTH = 5000
MAX_DEPTH = 200
MAX_INT = 10**18  # larger integer literals are refused (a 309-digit one overflows a float)

BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a ** b,
    ast.MatMult: lambda a, b: a @ b,
}
UNARY = {ast.USub: lambda a: -a, ast.UAdd: lambda a: a}

# What to call a refused node in a message.
DESCRIPTIONS = {
    ast.Lambda: "a lambda", ast.ListComp: "a list comprehension",
    ast.SetComp: "a set comprehension", ast.DictComp: "a dict comprehension",
    ast.GeneratorExp: "a generator expression", ast.Dict: "a dict", ast.Set: "a set",
    ast.Compare: "a comparison", ast.BoolOp: "'and' / 'or'", ast.IfExp: "an if-expression",
    ast.NamedExpr: "an assignment (:=)", ast.JoinedStr: "an f-string",
    ast.Starred: "'*' unpacking", ast.Await: "await", ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


def describe(node: ast.AST) -> str:
    if isinstance(node, ast.Constant):
        return f"a {type(node.value).__name__} constant ({node.value!r})"
    if isinstance(node, ast.Name):
        return f"the name {node.id!r}"
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        return f"the operator {type(node.op).__name__}"
    return DESCRIPTIONS.get(type(node), f"a {type(node).__name__} expression")


def suggest(word: str, options, prefix: str = "") -> str:
    """``"; did you mean sigmoid?"`` for a near miss among ``options``, else ``""``."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean {prefix}{close[0]}?" if close else ""


def numeric_array(values) -> np.ndarray:
    """A list literal as an array of numbers (labels, constants); ragged lists are refused."""
    array = np.asarray(values)
    if array.dtype.kind not in "biuf" or array.size == 0:
        raise ValueError("a list must hold numbers (all rows of the same length), at least one")
    return array


def op_symbol(node: ast.BinOp) -> str:
    symbols = {ast.FloorDiv: "//", ast.Mod: "%", ast.LShift: "<<", ast.RShift: ">>",
               ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^"}
    return repr(symbols.get(type(node.op), type(node.op).__name__))


def is_literal_shape(node: ast.AST) -> bool:
    """True for an argument that can only be a literal (True/False/None or a tuple)."""
    if isinstance(node, ast.Constant):
        return node.value is None or isinstance(node.value, bool)
    return isinstance(node, ast.Tuple)


def numbers_as_float(*values):
    """Plain numbers become float64 scalars, so ``9 ** 9 ** 9`` overflows to inf at once
    instead of computing a huge Python integer."""
    return tuple(
        np.float64(v) if isinstance(v, numbers.Number) and not isinstance(v, Tensor) else v
        for v in values
    )
