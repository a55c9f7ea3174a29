"""Command-line options every analysis script shares: where outputs go, where the data are."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

#: the repository root (analyses/ is one level below it)
ROOT = Path(__file__).resolve().parents[1]


def analysis_parser(doc: str, name: str, *, data: bool = True) -> argparse.ArgumentParser:
    """A parser with ``--out`` (and ``--data``) whose defaults come from the environment.

    Parameters
    ----------
    doc : str
        The script's module docstring; its first line becomes the description.
    name : str
        The script's name: outputs go to ``<out>/<name>/``.
    data : bool, default True
        Add ``--data``, the shared real-data folder (read only; default
        ``$NEUROKIT_SHARED_DATA`` or ``../shared/data`` beside the repository).

    Returns
    -------
    argparse.ArgumentParser
        ``--out`` defaults to ``$NEUROKIT_ANALYSES_OUT`` or ``results/analyses``.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        default=Path(os.environ.get("NEUROKIT_ANALYSES_OUT", "results/analyses")),
                        help=f"output root (a folder {name}/ is made in it)")
    if data:
        parser.add_argument("--data", type=Path,
                            default=Path(os.environ.get("NEUROKIT_SHARED_DATA",
                                                        ROOT.parent / "shared" / "data")),
                            help="the shared data folder (read only)")
    return parser
