"""The ``autograd-lite`` command line (``python -m autograd_lite``): train, graph, check, doctor.

``main(argv)`` runs it and returns the exit status; the console script calls it.
"""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
