"""The ``neurokit`` console command: ``neurokit <subcommand> ...``.

Each subcommand lives in its own module exposing ``add_parser(subparsers)`` and
``main(args) -> int``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from neurokit.cli import info, run
from neurokit.errors import NeurokitError

SUBCOMMANDS = {"info": info, "run": run}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="neurokit", description="neurokit: from raw recordings to figures."
    )
    from neurokit import __version__

    parser.add_argument("--version", action="version", version=f"neurokit {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in SUBCOMMANDS.values():
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``neurokit`` command; returns the exit status.

    Examples
    --------
    >>> main(["--version"])  # doctest: +SKIP
    neurokit 0.1.0
    """
    args = build_parser().parse_args(argv)
    try:
        return SUBCOMMANDS[args.command].main(args)
    except NeurokitError as err:
        print(f"neurokit {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
