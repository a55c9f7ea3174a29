"""The ``neurokit`` console command: ``neurokit <subcommand> ...``.

Each subcommand lives in its own module exposing ``add_parser(subparsers)`` and
``main(args) -> int``. A module with ``PASSES_THROUGH = True`` (``fit``) parses its own
arguments: it finds them in ``args.extra``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from neurokit.cli import fit, info, run
from neurokit.errors import NeurokitError

SUBCOMMANDS = {"info": info, "run": run, "fit": fit}


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
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if getattr(SUBCOMMANDS[args.command], "PASSES_THROUGH", False):
        args.extra = extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return SUBCOMMANDS[args.command].main(args)
    except NeurokitError as err:
        print(f"neurokit {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
