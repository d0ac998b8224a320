"""``autograd-lite graph`` and ``autograd-lite check``: an expression over named random inputs,
drawn as its computational graph or checked against numerical differentiation."""

from __future__ import annotations

import keyword
import sys

import numpy as np

from ..errors import AutogradLiteError, ExpressionError, InvalidArgumentError
from ..tensor import Tensor
from . import limits
from .expr import FUNCTIONS, Expression
from .limits import MAX_ELEMENTS


def _split(option: str, spec: str, example: str) -> tuple[str, str]:
    """``NAME=REST`` with a checked name."""
    name, sep, rest = spec.partition("=")
    name = name.strip()
    if not sep:
        raise InvalidArgumentError(f"{option} {spec!r}: expected {example}")
    if not name.isidentifier() or keyword.iskeyword(name):
        raise InvalidArgumentError(
            f"{option} {spec!r}: the name {name!r} is not a valid name; use letters, digits "
            "and _, starting with a letter (x, W1, b_out)"
        )
    if name in FUNCTIONS:
        raise InvalidArgumentError(
            f"{option} {spec!r}: {name!r} is the name of a function; choose another name"
        )
    return name, rest


def parse_input(spec: str) -> tuple[str, tuple[int, ...]]:
    """``"x=2,3"`` -> ``("x", (2, 3))``. ``"s="`` or ``"s=()"`` is a scalar input."""
    name, dims = _split("--input", spec, "NAME=SHAPE, like x=2,3 (or s= for a scalar)")
    text = dims.strip().strip("()[]").strip().rstrip(",")  # "(3,)" is the shape (3,)
    shape = []
    if text:
        for part in text.split(","):
            part = part.strip()
            if not (part.isascii() and part.isdigit()) or int(part) < 1:
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


def parse_value(spec: str) -> tuple[str, np.ndarray]:
    """``"apple=100"`` -> a scalar; ``"x=1,2,3"`` -> a vector of those numbers."""
    name, text = _split("--value", spec, "NAME=NUMBER or NAME=N1,N2,..., like apple=100")
    parts = [p.strip() for p in text.strip().strip("()[]").split(",")]
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = None
    if not numbers or not np.isfinite(numbers).all():
        raise InvalidArgumentError(
            f"--value {spec!r}: expected finite numbers separated by commas, like apple=100 or "
            "x=1,2.5,-3"
        )
    return name, np.array(numbers[0] if len(numbers) == 1 else numbers)


def parse_inputs(specs) -> dict:
    """The --input and --value options, in the order given, as an ordered dict: name -> shape
    tuple (random values) or ndarray (given values). ``specs`` holds ``("--input", "x=2,3")``
    or ``("--value", "a=1")`` pairs (a bare string is an --input). A name given twice is an
    error."""
    inputs = {}
    for item in specs or ():
        option, spec = ("--input", item) if isinstance(item, str) else item
        name, entry = (parse_input if option == "--input" else parse_value)(spec)
        if name in inputs:
            raise InvalidArgumentError(f"{option} {spec!r}: the input {name!r} is given twice")
        inputs[name] = entry
    return inputs


def make_inputs(entries: dict, seed: int, uniform=None) -> dict[str, Tensor]:
    """One named float64 Tensor per input, in the order given: the --value numbers, or values
    drawn from a standard normal (uniform on ``[low, high)`` when ``uniform=(low, high)``)."""
    rng = np.random.default_rng(seed)
    if uniform is None:
        draw = rng.standard_normal
    else:
        low, high = uniform
        if not low < high:
            raise InvalidArgumentError(f"--uniform: LOW must be below HIGH, got {low:g} {high:g}")
        draw = lambda shape: rng.uniform(low, high, shape)  # noqa: E731
    return {
        name: Tensor(entry if isinstance(entry, np.ndarray) else draw(entry), name=name)
        for name, entry in entries.items()
    }


def build(expression: str, input_specs, seed: int, uniform=None):
    """Parse and evaluate the expression; returns (Expression, inputs dict, result Tensor)."""
    entries = parse_inputs(input_specs)
    limits.check_inputs({
        name: (entry.size if isinstance(entry, np.ndarray) else limits.size_of(entry))
        for name, entry in entries.items()
    })
    expr = Expression(expression, entries)
    inputs = make_inputs(entries, seed, uniform)
    result = expr.evaluate(inputs)
    if not isinstance(result, Tensor) or not _depends_on_inputs(result):
        raise ExpressionError(
            "expression: the result does not depend on any input, so it has no graph; use the "
            "input names given with --input or --value\n" + expr.pointer(expr.tree.body)
        )
    return expr, inputs, result


def _depends_on_inputs(result: Tensor) -> bool:
    return result.requires_grad


def run_graph(args, out=None) -> int:
    """The ``graph`` command; with ``--check``, exit status 1 when a node fails its check."""
    from ..viz import render, to_dot

    out = sys.stdout if out is None else out
    _, _, result = build(args.expression, args.inputs, args.seed, args.uniform)
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
    status = 0
    if args.check:
        from ..gradcheck import check_graph
        from ..gradcheck.local import AUTO_FULL_LIMIT

        limits.check_graph_work(result, AUTO_FULL_LIMIT)

        report = check_graph(result, seed=args.seed)
        options["check"] = report
        print(report, file=out)
        status = 0 if report.ok else 1
    if note:
        print(note, file=out)
    if args.output is None:
        print(to_dot(result, **options).source, file=out)
        return status
    path = render(result, args.output, **options)
    print(f"wrote {path}", file=out)
    return status


def run_check(args, out=None) -> int:
    """The ``check`` command: exit status 0 when every input passes, 1 when one fails."""
    from ..gradcheck import gradcheck

    out = sys.stdout if out is None else out
    expr, inputs, _ = build(args.expression, args.inputs, args.seed, args.uniform)
    names = list(inputs)
    n = sum(t.data.size for t in inputs.values())
    if args.mode == "full":
        limits.check_work(2 * n + 2, expr.budget, n, f"a full check of {n:,} input elements",
                          "use --mode fast (random directions) or smaller inputs")
    else:
        limits.check_work(2 * 3 * len(inputs) + 2, expr.budget, n, "a fast check",
                          "use smaller inputs")

    def f(*tensors):
        return expr.evaluate(dict(zip(names, tensors)))

    try:
        report = gradcheck(f, list(inputs.values()), eps=args.eps, atol=args.atol,
                           rtol=args.rtol, mode=args.mode, seed=args.seed)
    except AutogradLiteError as e:
        if "NaN or inf" in str(e) and args.uniform is None:
            raise type(e)(
                f"{e}. The inputs are drawn from a standard normal, so half of them are "
                "negative: log, ** with a fractional power and / are not finite there. Draw "
                "positive inputs with --uniform 0.5 2 (or give them with --value)"
            ) from None
        raise
    print(f"gradient check of {args.expression}", file=out)
    print(report, file=out)
    return 0 if report.ok else 1
