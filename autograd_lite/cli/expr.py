"""A safe expression language for the command line: ``"relu(x @ W + b).sum()"``.

The text is parsed with :mod:`ast` and evaluated by the small tree walker below; nothing the user
types is ever given to ``eval``, ``exec`` or ``compile``. The whole tree is checked against a
whitelist *before* anything runs, so a refused expression has no effect at all.

What is allowed:

- numbers (``2``, ``0.5``, ``1e-3``), the input names given with ``--input``;
- the operators ``+ - * / ** @`` and unary ``-`` / ``+``;
- ``x.T`` and the methods in :data:`METHODS` (``x.sum(axis=0)``, ``x.reshape(3, 2)``, ...);
- calls of the autograd_lite functions in :data:`FUNCTIONS` (``relu(x)``, ``affine(x, W, b)``,
  ``softmax_with_loss(x @ W, [0, 2])``);
- literal arguments: numbers, ``True``/``False``/``None``, tuples and lists of numbers (labels);
- indexing with integers and slices (``x[0]``, ``x[:, 1:3]``).

Everything else (other names, attributes such as ``__class__``, strings, lambdas,
comprehensions, comparisons, ``*args``) raises :class:`ExpressionError` whose message shows the
expression with a caret under the offending part.
"""

from __future__ import annotations

import ast
import inspect
import numbers

import numpy as np

from ..errors import AutogradLiteError, ExpressionError
from ..tensor import Tensor
from .grammar import (
    BINARY,
    FUNCTIONS,
    MAX_DEPTH,
    MAX_INT,
    MAX_LENGTH,
    METHODS,
    PROPERTIES,
    UNARY,
    describe,
    is_literal_shape,
    numbers_as_float,
    numeric_array,
    op_symbol,
    suggest,
)
from .limits import Budget

SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
           ast.MatMult: "@"}

#: Module names a NumPy or PyTorch user may reach for; their functions are the ones above.
MODULE_NAMES = ("np", "numpy", "ag", "autograd_lite", "torch", "math", "F")


class Expression:
    """A checked expression over named inputs; :meth:`evaluate` runs it on Tensors.

    ``Expression(text, names)`` parses ``text`` and checks every node against the whitelist,
    raising :class:`ExpressionError` for the first thing that is not allowed.
    """

    def __init__(self, text: str, names):
        if not isinstance(text, str):
            raise ExpressionError(f"expression: expected a string, got {type(text).__name__}")
        self.text = text
        self.names = tuple(names)
        if not text.strip():
            raise ExpressionError("expression: the expression is empty")
        if len(text) > MAX_LENGTH:
            raise ExpressionError(
                f"expression: the expression has {len(text)} characters; at most {MAX_LENGTH}"
            )
        try:
            self.tree = ast.parse(text.strip("\n"), mode="eval")
        except SyntaxError as e:
            raise ExpressionError(self._syntax_message(e)) from None
        except (RecursionError, MemoryError, ValueError) as e:
            raise ExpressionError(
                f"expression: cannot parse it ({type(e).__name__}: {e})"
            ) from None
        self._check_expr(self.tree.body, 1)

    # ----- messages ---------------------------------------------------------------------------
    def error(self, problem: str, node: ast.AST | None = None, span=None) -> ExpressionError:
        """An ExpressionError: ``problem``, then the expression with a caret under ``node``
        (or under ``span`` when given)."""
        return ExpressionError(f"expression: {problem}\n{self.pointer(node, span)}")

    def pointer(self, node: ast.AST | None = None, span=None) -> str:
        """The expression's line and a line of ``^`` under the node (or ``(line, start, end)``
        in characters, 1-based line)."""
        lines = self.text.strip("\n").splitlines() or [""]
        if span is None and node is not None:
            span = self._node_span(node, lines)
        if span is None:
            return "    " + "\n    ".join(lines)
        lineno, start, end = span
        lineno = min(max(lineno, 1), len(lines))
        line = lines[lineno - 1]
        start = min(max(start, 0), len(line))
        end = min(max(end, start + 1), max(len(line), start + 1))
        caret = "".join("\t" if c == "\t" else " " for c in line[:start]) + "^" * (end - start)
        return f"    {line}\n    {caret}"

    @staticmethod
    def _node_span(node: ast.AST, lines):
        # col_offset and end_col_offset count UTF-8 bytes; the caret counts characters.
        lineno = node.lineno
        line = lines[min(lineno, len(lines)) - 1]
        raw = line.encode("utf-8")
        start = len(raw[: node.col_offset].decode("utf-8", "replace"))
        if getattr(node, "end_lineno", lineno) == lineno and node.end_col_offset is not None:
            end = len(raw[: node.end_col_offset].decode("utf-8", "replace"))
        else:
            end = len(line)
        return lineno, start, end

    def _syntax_message(self, e: SyntaxError) -> str:
        lineno = e.lineno or 1
        start = (e.offset or 1) - 1
        end = (e.end_offset or e.offset or 1) - 1
        if getattr(e, "end_lineno", lineno) != lineno or end <= start:
            end = start + 1
        reason = e.msg or "invalid syntax"
        return f"expression: not valid syntax ({reason})\n{self.pointer(span=(lineno, start, end))}"

    # ----- the whitelist check (nothing runs here) ---------------------------------------------
    def _check_depth(self, node: ast.AST, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise self.error(
                f"the expression is too deep (more than {MAX_DEPTH} operations or calls inside "
                "one another); split it into smaller expressions",
                node,
            )

    def _check_expr(self, node: ast.AST, depth: int) -> None:
        """A value: a number, an input, an operator, a call, an attribute or an index."""
        self._check_depth(node, depth)
        if isinstance(node, ast.Constant):
            self._check_number(node)
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS and node.id not in self.names:
                raise self.error(f"the function {node.id!r} must be called: {node.id}(...)", node)
            if node.id not in self.names:
                given = ", ".join(self.names) if self.names else "none"
                hint = suggest(node.id, self.names)
                raise self.error(
                    f"the name {node.id!r} is not an input{hint}; give it with --input "
                    f"{node.id}=SHAPE (inputs given: {given})",
                    node,
                )
        elif isinstance(node, ast.BinOp):  # left to right, so the first problem is reported
            self._check_expr(node.left, depth + 1)
            if type(node.op) not in BINARY:
                raise self.error(
                    f"the operator {op_symbol(node)} is not allowed (allowed: + - * / ** @)",
                    node, span=self._operator_span(node),
                )
            self._check_expr(node.right, depth + 1)
        elif isinstance(node, ast.UnaryOp):
            if type(node.op) not in UNARY:
                raise self.error("only unary - and + are allowed", node)
            self._check_expr(node.operand, depth + 1)
        elif isinstance(node, ast.Attribute):
            self._check_attribute(node, depth, called=False)
        elif isinstance(node, ast.Call):
            self._check_call(node, depth)
        elif isinstance(node, ast.Subscript):
            self._check_expr(node.value, depth + 1)
            self._check_index(node.slice, depth + 1)
        elif isinstance(node, (ast.List, ast.Tuple)):
            for element in node.elts:
                self._check_literal(element, depth + 1, numbers_only=True)
        else:
            raise self.error(f"{describe(node)} is not allowed here", node)

    def _check_number(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            if isinstance(value, (str, bytes)):
                raise self.error("strings are not allowed; use numbers and input names", node)
            raise self.error(f"{describe(node)} is not allowed here; use a number", node)
        if isinstance(value, int) and abs(value) > MAX_INT:
            raise self.error(
                f"the integer {str(value)[:12]}... has {len(str(abs(value)))} digits; numbers "
                "must be below 10**18 (write larger ones as floats: 1e300)",
                node,
            )

    def _check_literal(self, node: ast.AST, depth: int, numbers_only: bool = False) -> None:
        """An argument value: a number, True/False/None, or a tuple/list of numbers."""
        self._check_depth(node, depth)
        if isinstance(node, ast.Constant):
            if not numbers_only and (node.value is None or isinstance(node.value, bool)):
                return
            self._check_number(node)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            self._check_literal(node.operand, depth + 1, numbers_only=True)
        elif isinstance(node, (ast.List, ast.Tuple)):
            for element in node.elts:
                self._check_literal(element, depth + 1, numbers_only=True)
        else:
            raise self.error(
                f"{describe(node)} is not allowed as a literal; keyword arguments and list "
                "elements must be numbers, True, False or None",
                node,
            )

    def _check_attribute(self, node: ast.Attribute, depth: int, called: bool) -> None:
        self._check_expr(node.value, depth + 1)  # the receiver comes first in the text
        span = self._attr_span(node)
        if node.attr in METHODS:
            if not called:
                raise self.error(
                    f".{node.attr} is a method and must be called: .{node.attr}(...)", span=span
                )
        elif node.attr in PROPERTIES:
            if called:
                raise self.error(f".{node.attr} is a property; write x.{node.attr}", span=span)
        else:
            allowed = ", ".join("." + a for a in PROPERTIES + METHODS)
            hint = suggest(node.attr, PROPERTIES + METHODS, prefix=".")
            raise self.error(
                f"the attribute .{node.attr} is not allowed{hint} (allowed: {allowed})",
                span=span,
            )

    def _operator_span(self, node: ast.BinOp):
        """Where the operator of ``node`` is: the text between its two operands, stripped."""
        lines = self.text.strip("\n").splitlines() or [""]
        left = self._node_span(node.left, lines)
        right = self._node_span(node.right, lines)
        if left[0] != right[0] or node.left.end_lineno != left[0]:
            return None
        line = lines[left[0] - 1]
        gap = line[left[2]:right[1]]
        symbol = op_symbol(node).strip("'")
        where = gap.find(symbol)
        if where < 0:
            return None
        return left[0], left[2] + where, left[2] + where + len(symbol)

    def _attr_span(self, node: ast.Attribute):
        lines = self.text.strip("\n").splitlines() or [""]
        lineno, _, end = self._node_span(node, lines)
        if node.end_lineno != node.lineno:
            return self._node_span(node, lines)
        return lineno, max(end - len(node.attr), 0), end

    def _check_call(self, node: ast.Call, depth: int) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            if func.id not in FUNCTIONS:
                hint = suggest(func.id, FUNCTIONS)
                raise self.error(
                    f"the function {func.id!r} is not allowed{hint} (allowed: "
                    f"{', '.join(sorted(FUNCTIONS))})",
                    func,
                )
        elif (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
              and func.value.id in MODULE_NAMES and func.value.id not in self.names):
            name = func.attr
            if name in FUNCTIONS or name in METHODS:
                way = f"write {name}(x)" + (f" or x.{name}()" if name in METHODS else "")
            else:
                way = f"use one of the functions: {', '.join(sorted(FUNCTIONS))}"
            raise self.error(
                f"{func.value.id}.{name}: modules are not available in an expression; the "
                f"functions are called by their own names: {way}",
                func,
            )
        elif isinstance(func, ast.Attribute):
            self._check_attribute(func, depth, called=True)
        else:
            raise self.error("only named functions and tensor methods can be called", func)
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.error("'*' unpacking is not allowed in a call", arg)
            if is_literal_shape(arg):
                self._check_literal(arg, depth + 1)
            else:
                self._check_expr(arg, depth + 1)
        for keyword in node.keywords:
            if keyword.arg is None:
                raise self.error("'**' unpacking is not allowed in a call", keyword)
            self._check_literal(keyword.value, depth + 1)

    def _check_index(self, node: ast.AST, depth: int) -> None:
        self._check_depth(node, depth)
        if isinstance(node, ast.Tuple):
            for element in node.elts:
                self._check_index(element, depth + 1)
        elif isinstance(node, ast.Slice):
            for part in (node.lower, node.upper, node.step):
                if part is not None:
                    self._check_integer(part)
        else:
            self._check_integer(node)

    def _check_integer(self, node: ast.AST) -> None:
        inner = node.operand if isinstance(node, ast.UnaryOp) and isinstance(
            node.op, ast.USub) else node
        if not (isinstance(inner, ast.Constant) and isinstance(inner.value, int)
                and not isinstance(inner.value, bool)):
            raise self.error("an index must be an integer or a slice of integers (x[0], x[:, 1:3])",
                             node)

    # ----- evaluation ---------------------------------------------------------------------------
    def evaluate(self, env: dict):
        """Run the expression with ``env`` mapping each input name to a Tensor (or array)."""
        missing = [n for n in self.names if n not in env]
        if missing:
            raise ExpressionError(f"expression: no value for the input(s) {', '.join(missing)}")
        self.budget = Budget()
        return self._eval(self.tree.body, env)

    def _eval(self, node: ast.AST, env: dict):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return env[node.id]
        if isinstance(node, (ast.List, ast.Tuple)):
            values = [self._eval(e, env) for e in node.elts]
            if isinstance(node, ast.Tuple):
                return tuple(values)
            return self._run(node, numeric_array, values)
        if isinstance(node, ast.BinOp):
            left, right = self._eval(node.left, env), self._eval(node.right, env)
            for side in (left, right):
                if isinstance(side, (tuple, list)):
                    raise self.error(
                        "a tuple or list cannot be used with an operator; operators take "
                        "numbers and tensors (write a shape out in full: (3, 3))",
                        node,
                    )
            symbol = SYMBOLS[type(node.op)]
            self.budget.before(symbol, (left, right), {}, lambda m: self.error(m, node))
            return self._run(node, BINARY[type(node.op)], *numbers_as_float(left, right))
        if isinstance(node, ast.UnaryOp):
            operand = self._eval(node.operand, env)
            if isinstance(operand, int) and not isinstance(operand, bool):
                return UNARY[type(node.op)](operand)  # -1 stays an int: axis=-1, reshape(-1)
            return self._run(node, UNARY[type(node.op)], *numbers_as_float(operand))
        if isinstance(node, ast.Attribute):
            value = self._tensor_receiver(node, self._eval(node.value, env))
            return self._run(node, lambda: value.T)
        if isinstance(node, ast.Subscript):
            value = self._tensor_receiver(node, self._eval(node.value, env))
            index = self._eval_index(node.slice)
            return self._run(node, lambda: value[index])
        if isinstance(node, ast.Call):
            return self._eval_call(node, env)
        raise self.error(f"{describe(node)} is not allowed here", node)  # checked before

    def _eval_index(self, node: ast.AST):
        if isinstance(node, ast.Tuple):
            return tuple(self._eval_index(e) for e in node.elts)
        if isinstance(node, ast.Slice):
            parts = [None if p is None else self._eval_index(p)
                     for p in (node.lower, node.upper, node.step)]
            return slice(*parts)
        if isinstance(node, ast.UnaryOp):
            return -node.operand.value
        return node.value

    def _eval_call(self, node: ast.Call, env: dict):
        if isinstance(node.func, ast.Name):
            func, where = FUNCTIONS[node.func.id], node.func.id
        else:
            receiver = self._tensor_receiver(node.func, self._eval(node.func.value, env))
            func, where = getattr(receiver, node.func.attr), "." + node.func.attr
        args = [self._eval(a, env) for a in node.args]
        kwargs = {k.arg: self._eval(k.value, env) for k in node.keywords}
        try:
            inspect.signature(func).bind(*args, **kwargs)
        except TypeError as e:
            raise self.error(f"{where}(): {e}", node) from None
        self.budget.before(where, args, kwargs, lambda m: self.error(m, node))
        return self._run(node, lambda: func(*args, **kwargs))

    def _tensor_receiver(self, node: ast.AST, value):
        if not isinstance(value, Tensor):
            what = "a number" if isinstance(value, numbers.Number) else type(value).__name__
            raise self.error(f"this needs a tensor on the left, got {what}", node)
        return value

    def _run(self, node: ast.AST, thunk, *args):
        """Call ``thunk(*args)``; an error the user's values caused points at ``node``."""
        try:
            with np.errstate(all="ignore"):
                result = thunk(*args)
            self.budget.after(result)
            self.budget.check_total(lambda m: self.error(m, node))
            return result
        except ExpressionError:
            raise
        except AutogradLiteError as e:
            raise self.error(str(e), node) from e
        except MemoryError:
            raise self.error("this needs more memory than the machine has; use smaller "
                             "inputs", node) from None
        except (TypeError, ValueError, IndexError, ZeroDivisionError, OverflowError) as e:
            raise self.error(f"{type(e).__name__}: {e}", node) from e
