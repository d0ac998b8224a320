"""``autograd-lite graph`` and ``autograd-lite check``: an expression over named random inputs,
drawn as its computational graph or checked against numerical differentiation."""

from __future__ import annotations

import keyword
import sys

import numpy as np

from ..errors import ExpressionError, InvalidArgumentError
from ..tensor import Tensor
from .expr import FUNCTIONS, Expression

MAX_ELEMENTS = 1_000_000


def parse_input(spec: str) -> tuple[str, tuple[int, ...]]:
    """``"x=2,3"`` -> ``("x", (2, 3))``. ``"s="`` or ``"s=()"`` is a scalar input."""
    name, sep, dims = spec.partition("=")
    name = name.strip()
    if not sep:
        raise InvalidArgumentError(
            f"--input {spec!r}: expected NAME=SHAPE, like x=2,3 (or s= for a scalar)"
        )
    if not name.isidentifier() or keyword.iskeyword(name):
        raise InvalidArgumentError(
            f"--input {spec!r}: the name {name!r} is not a valid name; use letters, digits and _"
            ", starting with a letter (x, W1, b_out)"
        )
    if name in FUNCTIONS:
        raise InvalidArgumentError(
            f"--input {spec!r}: {name!r} is the name of a function; choose another name"
        )
    text = dims.strip().strip("()[]").strip().rstrip(",")  # "(3,)" is the shape (3,)
    shape = []
    if text:
        for part in text.split(","):
            part = part.strip()
            if not part.isdigit() or int(part) < 1:
                raise InvalidArgumentError(
                    f"--input {spec!r}: every dimension must be a positive integer, got "
                    f"{part!r} (write the shape as x=2,3)"
                )
            shape.append(int(part))
    size = int(np.prod(shape, dtype=object)) if shape else 1
    if size > MAX_ELEMENTS:
        raise InvalidArgumentError(
            f"--input {spec!r}: {size:,} elements is too many for the command line; "
            f"at most {MAX_ELEMENTS:,}"
        )
    return name, tuple(shape)


def parse_inputs(specs) -> dict[str, tuple[int, ...]]:
    """The --input options as an ordered dict name -> shape; a name given twice is an error."""
    shapes = {}
    for spec in specs or ():
        name, shape = parse_input(spec)
        if name in shapes:
            raise InvalidArgumentError(f"--input {spec!r}: the input {name!r} is given twice")
        shapes[name] = shape
    return shapes


def make_inputs(shapes: dict, seed: int, uniform=None) -> dict[str, Tensor]:
    """One named float64 Tensor per input, drawn in the order given: standard normal, or
    uniform on ``[low, high)`` when ``uniform=(low, high)``."""
    rng = np.random.default_rng(seed)
    if uniform is None:
        draw = rng.standard_normal
    else:
        low, high = uniform
        if not low < high:
            raise InvalidArgumentError(f"--uniform: LOW must be below HIGH, got {low:g} {high:g}")
        draw = lambda shape: rng.uniform(low, high, shape)  # noqa: E731
    return {name: Tensor(draw(shape), name=name) for name, shape in shapes.items()}


def build(expression: str, input_specs, seed: int, uniform=None):
    """Parse and evaluate the expression; returns (Expression, inputs dict, result Tensor)."""
    shapes = parse_inputs(input_specs)
    expr = Expression(expression, shapes)
    inputs = make_inputs(shapes, seed, uniform)
    result = expr.evaluate(inputs)
    if not isinstance(result, Tensor) or not _depends_on_inputs(result):
        raise ExpressionError(
            "expression: the result does not depend on any input, so it has no graph; use the "
            "input names given with --input\n" + expr.pointer(expr.tree.body)
        )
    return expr, inputs, result


def _depends_on_inputs(result: Tensor) -> bool:
    return result.requires_grad


def run_graph(args, out=None) -> int:
    """The ``graph`` command."""
    from ..viz import render, to_dot

    out = sys.stdout if out is None else out
    _, _, result = build(args.expression, args.input, args.seed, args.uniform)
    note = None
    if args.grads:
        if result.data.size == 1:
            result.backward(retain_graph=True)
        else:
            result.backward(np.ones_like(result.data), retain_graph=True)
            note = (
                f"note: the result has shape {result.shape}, not a scalar; backward ran with an "
                "upstream gradient of ones, so the gradients are those of its sum"
            )
    options = {"values": args.values, "grads": args.grads, "rankdir": args.rankdir,
               "legend": args.legend}
    if args.collapse:
        options["collapse"] = "layer"
    if note:
        print(note, file=out)
    if args.output is None:
        print(to_dot(result, **options).source, file=out)
        return 0
    path = render(result, args.output, **options)
    print(f"wrote {path}", file=out)
    return 0


def run_check(args, out=None) -> int:
    """The ``check`` command: exit status 0 when every input passes, 1 when one fails."""
    from ..gradcheck import gradcheck

    out = sys.stdout if out is None else out
    expr, inputs, _ = build(args.expression, args.input, args.seed, args.uniform)
    names = list(inputs)

    def f(*tensors):
        return expr.evaluate(dict(zip(names, tensors)))

    report = gradcheck(f, list(inputs.values()), eps=args.eps, atol=args.atol, rtol=args.rtol,
                       mode=args.mode, seed=args.seed)
    print(f"gradient check of {args.expression}", file=out)
    print(report, file=out)
    return 0 if report.ok else 1
