"""The ``autograd-lite`` command: ``train``, ``graph``, ``check`` and ``doctor``.

User errors (a bad expression, an unknown dataset, a missing file, a bad shape, a bad option)
print one ``autograd-lite: error: ...`` message to stderr and exit with status 2, without a
traceback. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys

from ..errors import AutogradLiteError

PROG = "autograd-lite"

DESCRIPTION = """\
See, draw and verify gradients from the command line: train a network and look at its
learning curves, its computational graph with gradients and its gradient check; draw or
check any expression.
"""

EPILOG = f"""\
examples:
  {PROG} train
  {PROG} train --dataset spiral --hidden 30 30 --model mlp --epochs 200
  {PROG} graph "relu(x @ W + b).sum()" --input x=2,3 --input W=3,4 --input b=4 \\
      -o graph.png --values --grads
  {PROG} check "softmax_with_loss(x @ W, [0, 2])" --input x=2,3 --input W=3,4
  {PROG} doctor

Run '{PROG} COMMAND --help' for the options of a command.
"""

EXPRESSION_HELP = """\
expressions:
  numbers and the names given with --input; operators + - * / ** @ and unary -;
  x.T and the methods .sum .mean .max .reshape .transpose .exp .log .relu .sigmoid .tanh;
  the functions relu sigmoid tanh leaky_relu exp log sum mean max matmul affine softmax
  softmax_with_loss sigmoid_with_loss mean_squared_error reshape transpose broadcast_to
  add sub mul div neg pow; literal arguments (axis=0, keepdims=True, labels [0, 2]);
  indexing with integers and slices (x[0], x[:, 1:3]). Nothing else is evaluated:
  the expression is parsed with Python's ast and walked, never given to eval.

inputs:
  --input NAME=SHAPE makes a float64 tensor of that shape with standard-normal values
  drawn from --seed, e.g. --input x=2,3 (a 2x3 matrix), --input b=4, --input s= (scalar).
  --uniform LOW HIGH draws them from [LOW, HIGH) instead (keep log and ** away from 0).
  --value NAME=NUMBERS gives the values yourself: --value apple=100, --value x=1,2,3.
"""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad option in one line and exits with status 2."""

    def error(self, message):
        hint = f"; see '{self.prog} --help'"
        choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if choice:
            options = re.findall(r"'([^']*)'", choice.group(2))
            close = difflib.get_close_matches(choice.group(1), options, n=1, cutoff=0.6)
            if close:
                hint = f"; did you mean {close[0]}?" + hint
        raise _UsageError(f"{message}{hint}")


class _UsageError(Exception):
    pass


def _formatter(prog):
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32, width=100)


def build_parser() -> argparse.ArgumentParser:
    """The parser of the whole command (sub-commands and their options)."""
    from .train import add_train_arguments

    parser = _Parser(prog=PROG, description=DESCRIPTION, epilog=EPILOG,
                     formatter_class=_formatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    train = sub.add_parser("train", help="train a network (default: two-layer on the bundled "
                           "digits) and write curves, graph, gradient check, weights",
                           formatter_class=_formatter)
    add_train_arguments(train)

    graph = sub.add_parser(
        "graph", help="draw the computational graph of an expression", formatter_class=_formatter,
        description="Draw the computational graph of an expression over random named inputs.",
        epilog=EXPRESSION_HELP + f"""
examples:
  {PROG} graph "relu(x @ W + b).sum()" --input x=2,3 --input W=3,4 --input b=4 -o g.png --grads
  {PROG} graph "apple * num * tax" --value apple=100 --value num=2 --value tax=1.1 \\
      -o apple.png --values --grads
  {PROG} graph "softmax_with_loss(affine(x, W, b), [0, 2, 1])" --input x=3,4 \\
      --input W=4,3 --input b=3 -o loss.svg --values --grads
  {PROG} graph "tanh(x @ W).sum()" --input x=2,3 --input W=3,2 --check -o checked.png
  {PROG} graph "tanh(x).sum()" --input x=3          (prints the DOT text)
""")
    _add_expression_arguments(graph)
    graph.add_argument("-o", "--output", metavar="PATH",
                       help="picture to write: .png, .svg, .pdf, or .dot for the DOT text "
                            "(default: print the DOT text)")
    graph.add_argument("--values", action="store_true", help="show each tensor's value")
    graph.add_argument("--grads", action="store_true",
                       help="run backward on the result (the sum of it when it is not a scalar) "
                            "and show every gradient")
    graph.add_argument("--check", action="store_true",
                       help="check every node's backward numerically and mark the ones that "
                            "fail in red (ag.check_graph); exit status 1 when one fails")
    graph.add_argument("--legend", action="store_true", help="add a key of the node styles")
    graph.add_argument("--rankdir", choices=("LR", "TB"), default="LR",
                       help="left-to-right (default) or top-to-bottom layout")

    check = sub.add_parser(
        "check", help="gradient-check an expression", formatter_class=_formatter,
        description="Compare the backward pass of an expression with central differences, for "
                    "every input. Exit status 0 when all pass, 1 when one fails, 2 on a bad "
                    "expression.",
        epilog=EXPRESSION_HELP + f"""
examples:
  {PROG} check "sigmoid(x @ W).sum()" --input x=4,3 --input W=3,2
  {PROG} check "softmax_with_loss(x @ W, [0, 2, 1, 1])" --input x=4,3 --input W=3,3
  {PROG} check "tanh(x) * y" --input x=5 --input y=5 --mode fast
  {PROG} check "log(x).sum()" --input x=3 --uniform 0.5 2
""")
    _add_expression_arguments(check)
    check.add_argument("--eps", type=_positive_float, default=1e-6,
                       help="finite-difference step (default 1e-6)")
    check.add_argument("--atol", type=_nonnegative_float, default=1e-8,
                       help="absolute tolerance floor (default 1e-8, as ag.gradcheck)")
    check.add_argument("--rtol", type=_nonnegative_float, default=1e-6,
                       help="relative tolerance floor (default 1e-6, as ag.gradcheck)")
    check.add_argument("--mode", choices=("full", "fast"), default="full",
                       help="full: every element; fast: random projections (default full)")

    sub.add_parser("doctor", help="versions, graph renderers, BLAS, what to install",
                   formatter_class=_formatter,
                   description="Report versions, which graph-rendering backend works (each is "
                               "tried on a tiny graph), BLAS, and what to install. Exit status "
                               "1 when no backend can draw a picture.")
    return parser


def _add_expression_arguments(parser) -> None:
    parser.add_argument("expression", metavar="EXPR",
                        help='the expression, quoted: "relu(x @ W + b).sum()"')
    parser.add_argument("-i", "--input", action=_Tagged, dest="inputs", default=[],
                        metavar="NAME=SHAPE",
                        help="an input and its shape, e.g. x=2,3 (repeat for each input); its "
                             "values are random")
    parser.add_argument("-v", "--value", action=_Tagged, dest="inputs", default=[],
                        metavar="NAME=NUMBERS",
                        help="an input with given values: apple=100 (a scalar) or x=1,2,3")
    parser.add_argument("--seed", type=_seed, default=0,
                        help="seed of the random input values (default 0)")
    parser.add_argument("--uniform", nargs=2, type=_float, metavar=("LOW", "HIGH"), default=None,
                        help="draw the inputs uniformly from [LOW, HIGH) instead of a standard "
                             "normal (e.g. --uniform 0.5 2 for log)")


class _Tagged(argparse.Action):
    """Append ``(option, value)`` so --input and --value keep the order they were given in."""

    def __call__(self, parser, namespace, values, option_string=None):
        items = list(getattr(namespace, self.dest, None) or [])
        option = "--value" if option_string in ("-v", "--value") else "--input"
        items.append((option, values))
        setattr(namespace, self.dest, items)


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer seed >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer seed >= 0, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    value = _float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def _nonnegative_float(text: str) -> float:
    value = _float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _version() -> str:
    from .. import __version__

    return __version__


def main(argv=None) -> int:
    """Run the command with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        return _run(args)
    except _UsageError as e:
        return _fail(str(e))
    except AutogradLiteError as e:
        return _fail(str(e))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


def _run(args) -> int:
    if args.command == "train":
        from .train import run_train

        return run_train(args)
    if args.command == "graph":
        from .graph import run_graph

        return run_graph(args)
    if args.command == "check":
        from .graph import run_check

        return run_check(args)
    from .doctor import run_doctor

    return run_doctor(args)


def _fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2
